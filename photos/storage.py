"""PLACEHOLDER so the app imports while the photos helper writes the real module (same API)."""


class LocalStorage:
    def __init__(self, root):
        self.root = root
