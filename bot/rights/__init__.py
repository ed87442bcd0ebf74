"""Personal data rights under UU 27/2022: access, erasure, withdrawal of consent, and retention."""
