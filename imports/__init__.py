"""Import and export of the Digipoort registration list."""
