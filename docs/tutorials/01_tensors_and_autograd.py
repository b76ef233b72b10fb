# %% [markdown]
# # 01_tensors_and_autograd

# %%
print(1)
