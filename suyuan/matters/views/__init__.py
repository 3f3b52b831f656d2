"""HTML views of matters: the citizen portal (portal.py) and the staff workbench (staff.py)."""
