# %% [markdown]
# # 07_data_parallel_mpi

# %%
print(1)
