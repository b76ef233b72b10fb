# %% [markdown]
# # 02_convolution_three_ways

# %%
print(1)
