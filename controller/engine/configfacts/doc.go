// Package configfacts holds what a config read told about a container that
// its listing does not show (whether its cores are the controller's to set,
// the most cores that help it, its root filesystem's configured size), and
// when that still holds. controller/engine keeps one per container and
// re-exports the type as engine.ConfigFacts.
//
// It imports only controller/scaling and proxmox of the project, never
// controller/engine or controller. A Facts is a value owned by one
// container's tracking; it is not safe for concurrent use.
package configfacts
