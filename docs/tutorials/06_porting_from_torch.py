# %% [markdown]
# # 06_porting_from_torch

# %%
print(1)
