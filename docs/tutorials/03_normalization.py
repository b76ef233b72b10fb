# %% [markdown]
# # 03_normalization

# %%
print(1)
