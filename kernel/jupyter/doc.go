// Package jupyter implements the Jupyter messaging protocol 5.3 wire format and sockets over pure-Go ZeroMQ; it knows nothing about Go evaluation.
//
// The package has three layers:
//
//   - connection files ([ReadConnectionFile]),
//   - the wire format of one message: frames, HMAC signatures, headers
//     ([Decode], [Encode], [Signer], [NewHeader]),
//   - the five kernel sockets ([Bind], [Sockets]).
//
// The sockets speak ZMTP 3.0 with the NULL security mechanism, which is what
// libzmq, pyzmq and every Jupyter client use. The transport is implemented
// in this package rather than with github.com/go-zeromq/zmq4's sockets,
// because zmq4 v0.17.0 listeners can be stopped or crashed by any peer that
// reaches the port: a connection that never sends its greeting blocks the
// accept loop for everybody, a frame header announcing a huge length makes
// the process panic in makeslice before any signature is checked, and one
// PUB subscriber that stops reading stalls the publisher for all others
// while its queue grows without bound. Here every connection has its own
// goroutines, handshakes have a deadline, frames are limited to
// [MaxMessageSize], and every iopub subscriber has its own bounded queue.
package jupyter
