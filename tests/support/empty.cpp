// Keeps redline_testsupport non-empty while tests/support has no other sources.
