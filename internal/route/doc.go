// Package route connects the servers of a cluster: a full mesh of route
// connections, one per pair of servers, over which they exchange interest
// and messages so that clients of any server behave as clients of one
// NATS system.
//
// # Layering
//
// The package sits above internal/server and is its cluster control plane:
// it listens for and dials route connections, runs the handshake (cluster
// name, credentials, TLS), keeps one connection per peer, gossips the
// cluster's membership and client URLs, and retries lost routes. The data
// plane stays in the server: a route connection is a server.RouteConn,
// whose output buffer and writer are a client's, into which the server
// itself writes forwarded messages (RMSG) and its interest (RS+/RS-). This
// package reads the connection, parses the route protocol
// (internal/route/wire) and hands each operation to the RouteConn.
//
// # Membership
//
// A server dials the routes of its configuration and, through the peers
// lists of INFO gossip, every other server it learns of. When two servers
// dial each other at once, both keep the connection dialed by the server
// with the smaller id, so exactly one route remains. A route to itself (a
// configuration listing every server, itself included) is noticed at the
// handshake and never retried. Configured routes are retried for ever with
// a backoff of at most a second; routes learned through gossip are retried
// while another server still reports the peer connected, and then
// Options.Cluster.ConnectRetries times.
//
// # Subsystem messages
//
// Send, Broadcast and Handle carry messages between in-process subsystems
// of the servers (the Raft transport) as SMSG operations, appended in
// order to the route's output buffer; they never reach clients.
//
// # Lock order
//
// Manager.mu, then the server's locks (RouteConn methods take the route's
// and the accounts' locks). Handlers registered with Handle and OnPeer run
// without Manager.mu held.
package route
