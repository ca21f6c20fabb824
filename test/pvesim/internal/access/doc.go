// Package access is pvesim's user and token database: API tokens, user
// passwords and the login tickets with their CSRF prevention tokens, as
// pve-access-control issues and checks them (ticket format and lifetime
// from src/PVE/AccessControl.pm). How a request presents its credentials
// and what it is answered stays in pvesim's auth handler.
//
// It imports the standard library only. A Store is safe for concurrent
// use; its own mutex guards the tickets and is never held while calling
// out, so pvesim may call it with its state lock held.
package access
