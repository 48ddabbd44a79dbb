"""Helpers the tests share, each module holding one kind (see its docstring): imported by test modules and
conftests, never a test module itself (tests/test_test_tree.py checks that no test module imports another)."""
