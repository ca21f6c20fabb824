package httpapi

// Route groups not built yet; each becomes its own file.
