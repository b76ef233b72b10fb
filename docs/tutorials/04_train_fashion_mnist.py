# %% [markdown]
# # 04_train_fashion_mnist

# %%
print(1)
