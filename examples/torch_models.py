"""Model factories for `trtx export --torch examples/torch_models.py:NAME`.

Each factory takes no arguments and returns a torch.nn.Module; trtx puts it in eval mode and exports it.
"""
import torch
from torch import nn


class TinyClassifier(nn.Module):
    """A small CNN for 3x32x32 images: conv, batch norm, pooling and a linear head."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Linear(32, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.features(x), 1))


def tiny_classifier() -> nn.Module:
    torch.manual_seed(0)
    return TinyClassifier()


def resnet18() -> nn.Module:
    import torchvision
    return torchvision.models.resnet18()
