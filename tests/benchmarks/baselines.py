# ruff: noqa: UP039, UP031, F841  (verbatim published code, kept as published)
"""The training loops Backprop Lab reproduces: two copied as published, one written
the obvious way.

``SimpleNN`` is the tutorial's class (/work/shared/tutorial.md), verbatim apart
from the matplotlib import it never uses here; it prints once per ``train`` call,
so callers silence stdout with :func:`quiet`. ``trask_xor`` is Andrew Trask's
classic two-layer loop from "A Neural Network in 11 lines of Python", with its
weights taken from :func:`nncore.network.init_weights` so both start equal.
``minibatch_adam`` is mini-batch Adam on a network with biases, as anyone would
write it from the formulas (and Backprop Lab's batch rule).

Both the tests (bitwise agreement) and the benchmarks (speed) use these, so the
engine is always measured against exactly the code it claims to match.
"""

import contextlib
import io

import numpy as np

TUTORIAL_X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
TUTORIAL_Y = np.array([[0, 1, 1, 0]]).T
XOR_X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
XOR_Y = np.array([[0, 1, 1, 0]]).T


def quiet():
    """A context that swallows what the tutorial's class prints."""
    return contextlib.redirect_stdout(io.StringIO())


# ---- verbatim from the tutorial ---------------------------------------------------------
# a class for the simple two-layer neural network
class SimpleNN():
    """
    initialize a simple feed-forward two layer neural network:
    - input layer of variable size
    - output layer of fixed size (1)
    """

    def __init__(self, input_size = 3):
        """
        initialize weights in network and declare input size
        """
        self.input_size = input_size
        # random weights with mean = 0
        self.weights = 2*np.random.random((input_size,1))-1

    def __sigmoid(self, weighted_sum):
        """
        sigmoid function intended to take as input weight sum of weights and inputs
        """
        return 1/(1+np.exp(-weighted_sum))

    def __gradient(self, x):
        """
        computes derivative of sigmoid function for a given value of x
        """
        return x*(1-x)

    def __accuracy(self, pred, target):
        """
        given true and predicted outputs, calculate accuracy
        """
        # binarize predicted values
        pred_bin = np.where(pred>0.5, 1, 0)
        accuracy = (pred_bin == target).sum()/target.shape[0]
        return accuracy

    def train(self, trainX, trainY, iters = 1000, verbose = False):
        """
        function for training neural network on training data
        """
        accuracy = []

        for iter in range(iters):
            ### feed forward ###

            # calculate weighted sum
            s = np.dot(trainX, self.weights)

            # predict yhat
            yhat = self.__sigmoid(s)

            ### backprop ###

            # calculate cost function
            err = trainY - yhat

            # gradient descent
            grad = np.dot(trainX.T, (yhat - trainY)*self.__gradient(yhat))

            # update weights
            self.weights -= grad

            # calculate accuracy
            accu_iter = self.__accuracy(yhat, trainY)
            accuracy.append(accu_iter)

            if verbose:
                if iter%100 ==0 or iter==0:
                    print("iter %d" % iter)
                    print("output")
                    print(yhat)
                    print("accuracy = %.2f\n" % accu_iter)

        print("output after training:")
        print(yhat)
        self.accuracy = accuracy

    def pred(self, testX):
        """
        given a previously unseen set of input data, predict output
        """
        # calculate weighted sum of inputs and weights
        s = np.dot(testX, self.weights)

        # predict yhat
        yhat = self.__sigmoid(s)

        return yhat
# ---- end of the tutorial's code ---------------------------------------------------------


def tutorial_net():
    """The tutorial's net, seeded the way the tutorial seeds it (global RandomState)."""
    np.random.seed(1)
    return SimpleNN(3)


def trask_xor(syn0, syn1, X, y, iterations):
    """Trask's classic loop, in place on ``syn0`` (3, 4) and ``syn1`` (4, 1)."""
    for _ in range(iterations):
        l1 = 1/(1+np.exp(-(np.dot(X,syn0))))
        l2 = 1/(1+np.exp(-(np.dot(l1,syn1))))
        l2_delta = (y - l2)*(l2*(1-l2))
        l1_delta = l2_delta.dot(syn1.T) * (l1 * (1-l1))
        syn1 += l1.T.dot(l2_delta)
        syn0 += X.T.dot(l1_delta)
    return syn0, syn1


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def dsigmoid(a):
    """The sigmoid's slope, from its value a."""
    return a * (1 - a)


def minibatch_adam(X, Y, weights, biases, lr, batch_size, seed, iterations,
                   record_loss=True, beta1=0.9, beta2=0.999, eps=1e-8):
    """Mini-batch Adam on a sigmoid network with biases, squared error summed over the
    batch, written the obvious way: each iteration takes its batch from the epoch's
    permutation (Backprop Lab's rule), runs forward and backward, and updates each
    weight matrix and bias vector in turn with Adam as PyTorch documents it. With
    ``record_loss`` it also records the loss on every row before the step, as a
    training curve needs (and Backprop Lab records). In place on ``weights`` and
    ``biases``; returns the losses."""
    params = weights + biases
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    per_epoch = -(-len(X) // batch_size)
    losses = []
    for k in range(iterations):
        epoch, j = divmod(k, per_epoch)
        if j == 0:
            order = np.random.default_rng([seed, epoch]).permutation(len(X))
        rows = order[j * batch_size:(j + 1) * batch_size]
        x, y = X[rows], Y[rows]
        if record_loss:
            a = X
            for W, b in zip(weights, biases, strict=True):
                a = sigmoid(np.dot(a, W) + b)
            losses.append(0.5 * np.sum((Y - a) ** 2))
        acts = [x]
        for W, b in zip(weights, biases, strict=True):
            acts.append(sigmoid(np.dot(acts[-1], W) + b))
        delta = (acts[-1] - y) * dsigmoid(acts[-1])
        grad_w, grad_b = [None] * len(weights), [None] * len(weights)
        for layer in reversed(range(len(weights))):
            grad_w[layer] = np.dot(acts[layer].T, delta)
            grad_b[layer] = delta.sum(axis=0)
            if layer:
                delta = np.dot(delta, weights[layer].T) * dsigmoid(acts[layer])
        t = k + 1
        for i, (p, g) in enumerate(zip(params, grad_w + grad_b, strict=True)):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat = m[i] / (1 - beta1 ** t)
            v_hat = v[i] / (1 - beta2 ** t)
            p -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return losses
