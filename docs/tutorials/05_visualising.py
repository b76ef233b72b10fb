# %% [markdown]
# # 05_visualising

# %%
print(1)
