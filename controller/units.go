package controller

// Unit sizes.
const (
	mib         = 1 << 20
	bytesPerGiB = 1 << 30
)
