"""One module and one public function per command; shared steps in `common`. Use cases take an
assembly and plain values and return plain data; they never render and never import a skin."""
