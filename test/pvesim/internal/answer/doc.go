// Package answer is how pve-http-server puts a PVE API answer on the wire
// (pve-http-server src/PVE/APIServer/AnyEvent.pm and Formatter/Standard.pm,
// pve-manager PVE/HTTPServer.pm): the
// {"data":…} body with "errors" and "message" on failures, the message in
// the HTTP reason phrase (net/http cannot write one, so error answers
// hijack the connection and write the status line themselves), and no body
// at all where PVE sends none (401 from the auth handler, 595).
//
// It imports the standard library and pvesim's other internal packages
// only (test/layout). An Answer is a value; Write is safe for concurrent
// use on different connections.
package answer
