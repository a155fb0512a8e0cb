"""People and places every module needs: grades and classes, students and their guardians,
staff, buildings and rooms."""
