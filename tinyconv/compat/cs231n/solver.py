"""The assignment's ``solver.py``: minibatch training of a CS231n-style model."""
import numpy as np

from ...tensor import Tensor
from ...utils.serialization import save
from .optim import _RULES

__all__ = [
    "Solver",
]


# ------------------------------------------------------------------------------- Solver
class Solver:
    """Minibatch training of a CS231n-style model, with the assignment's Solver interface.

    The model has ``params`` (a dict name -> ndarray) and ``loss(X, y=None)``, returning the
    class scores (N, C) when y is None and ``(loss, grads)`` otherwise (grads keyed like
    params).

    Args:
        model: the model.
        data: {'X_train', 'y_train', 'X_val', 'y_val'}.
        **kwargs: the options below, by keyword (the assignment's).

    Other Parameters:
        update_rule: 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam', or a callable
            ``(w, dw, config) -> (next_w, config)``.
        optim_config: hyper-parameters for the rule (copied for every parameter).
        lr_decay: learning_rate is multiplied by this after every epoch.
        batch_size: minibatch size.
        num_epochs: epochs to train.
        num_train_samples: training images used to estimate the training accuracy (None:
            all).
        num_val_samples: likewise for validation.
        checkpoint_name: if given, save a checkpoint (tc.save) after every epoch.
        print_every: print the loss every this many iterations.
        verbose: print at all.

    Attributes (after ``train()``): loss_history, train_acc_history, val_acc_history,
    best_val_acc, best_params (and ``model.params`` is set to best_params).
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        if kwargs:
            raise ValueError("Solver: unrecognized arguments " + ", ".join(f'"{k}"'
                                                                         for k in kwargs))
        if not callable(self.update_rule):
            if self.update_rule not in _RULES:
                raise ValueError(f'Solver: invalid update_rule "{self.update_rule}" (choose '
                                 f"from {sorted(_RULES)} or pass a function)")
            self.update_rule = _RULES[self.update_rule]
        self._reset()

    def _reset(self):
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        n = self.X_train.shape[0]
        idx = np.random.choice(n, self.batch_size)
        loss, grads = self.model.loss(self.X_train[idx], self.y_train[idx])
        self.loss_history.append(float(loss))
        for p, w in self.model.params.items():
            next_w, cfg = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = cfg

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        ck = {"update_rule": getattr(self.update_rule, "__name__", "custom"),
              "lr_decay": self.lr_decay, "batch_size": self.batch_size,
              "num_train_samples": self.num_train_samples,
              "num_val_samples": self.num_val_samples, "epoch": self.epoch,
              "loss_history": self.loss_history, "train_acc_history": self.train_acc_history,
              "val_acc_history": self.val_acc_history,
              "params": {k: Tensor(np.asarray(v)) for k, v in self.model.params.items()}}
        save(ck, f"{self.checkpoint_name}_epoch_{self.epoch}.pkl")

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of X (subsampled to num_samples if given) that the model classifies as y."""
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N, X, y = num_samples, X[mask], y[mask]
        preds = []
        for i in range((N + batch_size - 1) // batch_size):
            scores = self.model.loss(X[i * batch_size:(i + 1) * batch_size])
            preds.append(np.argmax(scores, axis=1))
        return float(np.mean(np.concatenate(preds) == y))

    def train(self):
        """Run the optimization; keeps the best validation parameters in model.params."""
        num_train = self.X_train.shape[0]
        per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * per_epoch
        for t in range(num_iterations):
            self._step()
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: "
                      f"{self.loss_history[-1]:f}")
            epoch_end = (t + 1) % per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for cfg in self.optim_configs.values():
                    if "learning_rate" in cfg:
                        cfg["learning_rate"] *= self.lr_decay
            if t == 0 or t == num_iterations - 1 or epoch_end:
                train_acc = self.check_accuracy(self.X_train, self.y_train,
                                                num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(self.X_val, self.y_val,
                                              num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self._save_checkpoint()
                if self.verbose:
                    print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
                          f"val_acc: {val_acc:f}")
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        if self.best_params:
            self.model.params = self.best_params
