"""The Lambda control plane, one module per resource family.

Where does operation ``FooBar`` live? ``def foo_bar(self, context, request)`` in
the module named after its family; ``providers/lambda_/provider.py`` composes
them.
"""
