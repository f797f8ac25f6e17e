// Implemented next (issue 3).
