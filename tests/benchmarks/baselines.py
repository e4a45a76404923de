# ruff: noqa: UP039, UP031, F841  (verbatim published code, kept as published)
"""The two training loops Backprop Lab reproduces, copied as published.

``SimpleNN`` is the tutorial's class (/work/shared/tutorial.md), verbatim apart
from the matplotlib import it never uses here; it prints once per ``train`` call,
so callers silence stdout with :func:`quiet`. ``trask_xor`` is Andrew Trask's
classic two-layer loop from "A Neural Network in 11 lines of Python", with its
weights taken from :func:`nncore.network.init_weights` so both start equal.

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
