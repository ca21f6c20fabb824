package compat

// The data types of the answers, for the tests of package compat_test.
type (
	ContainerData = container
	NodeData      = node
	ClusterData   = cluster
	SnapshotData  = snapshot
)
