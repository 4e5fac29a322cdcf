"""Rank correlations between uncertain inputs, as the correlation matrix of their normal
scores (the Gaussian copula the sampler uses).

A Spearman rank correlation ``r`` between two inputs is the Pearson correlation
``2 sin(pi r / 6)`` of their normal scores (Pearson 1907). The matrix must be positive
semi-definite; rank correlations of exactly +1 or -1 make it singular, which is allowed.
"""

from __future__ import annotations

import numpy as np

#: Eigenvalues above this count as non-negative [dimensionless].
TOLERANCE = 1e-10


def normal_score_matrix(size: int, pairs: list[tuple[int, int, float]]) -> np.ndarray:
    """The (size x size) normal-score correlation matrix of rank correlations ``pairs``
    (index a, index b, Spearman rank); 1 on the diagonal, 0 where none is declared."""
    matrix = np.eye(size)
    for a, b, rank in pairs:
        matrix[a, b] = matrix[b, a] = 2.0 * np.sin(np.pi * rank / 6.0)
    return matrix


def is_valid(matrix: np.ndarray) -> bool:
    """Whether ``matrix`` is a valid correlation matrix (positive semi-definite)."""
    return bool(np.all(np.linalg.eigvalsh(matrix) >= -TOLERANCE))


def square_root(matrix: np.ndarray) -> np.ndarray:
    """A factor ``L`` with ``L @ L.T == matrix``: the Cholesky factor, or for a singular
    (semi-definite) matrix the symmetric square root from its eigen-decomposition.

    Raises ``ValueError`` if ``matrix`` is not a valid correlation matrix.
    """
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        if not is_valid(matrix):
            raise ValueError(
                "the declared correlations are not a valid correlation matrix"
            ) from None
        values, vectors = np.linalg.eigh(matrix)
        return vectors * np.sqrt(np.clip(values, 0.0, None))
