"""The core of the tensor platform: tensors, variables, the op registry, autodiff."""
