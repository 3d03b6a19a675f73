# expected_score: 0
# mistake: calls the library's softmax, which this exercise asks students to write.
import torch


def softmax(z, temperature=1.0, dim=-1):
    return torch.softmax(z / temperature, dim=dim)
