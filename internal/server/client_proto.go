package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/natsnet/natsnet/internal/proto"
	"github.com/natsnet/natsnet/internal/subject"
)

// The methods in this file implement proto.Handler; the parser calls them on
// the client's read goroutine.

var _ proto.Handler = (*client)(nil)

// awaitingConnect reports whether the client must still send CONNECT before
// anything else. Without auth the reference lets a client publish before
// CONNECT, so only an auth-requiring server insists.
func (c *client) awaitingConnect() bool {
	return c.acc == nil
}

// ProcessConnect handles CONNECT: options, protocol checks, authentication
// and account binding.
func (c *client) ProcessConnect(arg []byte) error {
	// Fields a client leaves out keep the reference's defaults: verbose
	// and pedantic are on unless the client turns them off.
	co := connectOpts{Verbose: true, Pedantic: true}
	if err := json.Unmarshal(arg, &co); err != nil {
		// The reference closes without a word on a malformed CONNECT.
		return fmt.Errorf("%w: %v", errBadConnect, err)
	}
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return errClosed
	}
	already := c.mu.connected
	c.mu.Unlock()
	if already {
		// A second CONNECT is ignored apart from verbose's +OK, as clients
		// do not send one.
		if co.Verbose {
			c.sendOK()
		}
		return nil
	}
	if co.Protocol < 0 || co.Protocol > 1 {
		c.sendErr("invalid client protocol")
		return errBadProtocol
	}
	if co.NoResponders && !co.Headers {
		c.sendErr("no responders requires headers support")
		return errNoRespondersNoHeaders
	}
	res, err := c.srv.auth.authenticate(c, &co)
	if err != nil {
		c.srv.log.Debug("authentication failed", "cid", c.cid, "err", err)
		c.sendErr("Authorization Violation")
		return errAuthViolation
	}
	headers := co.Headers && !c.srv.opts.NoHeaderSupport
	c.echo = co.Echo == nil || *co.Echo
	c.headers = headers
	c.verbose = co.Verbose
	c.pedantic = co.Pedantic
	c.noResponders = co.NoResponders && headers
	c.perms = res.perms

	c.mu.Lock()
	if c.mu.authTimer != nil {
		c.mu.authTimer.Stop()
		c.mu.authTimer = nil
	}
	co.Pass, co.Token, co.Sig, co.JWT = "", "", "", ""
	c.mu.opts = co
	c.mu.user = res.user
	c.mu.connected = true
	closed := c.mu.closed
	if !closed {
		// Written under mu so closeConnection, which may run on another
		// goroutine, sees it; the reader reads it without the lock.
		c.acc = res.acc
		c.acc.addClient(c)
	}
	c.mu.Unlock()
	if closed {
		return errClosed
	}
	if c.verbose {
		c.sendOK()
	}
	return nil
}

// ProcessPub handles PUB and HPUB.
func (c *client) ProcessPub(a *proto.PubArgs) error {
	if c.awaitingConnect() {
		if c.srv.auth.required {
			c.sendErr("Authorization Violation")
			return errAuthViolation
		}
		c.bindDefault()
	}
	if a.HeaderLen >= 0 && !c.headers {
		c.sendErr(proto.ErrTextUnknownOp)
		return errHeadersNotSupported
	}
	c.pend.inMsgs++
	c.pend.inBytes += int64(len(a.Payload))
	if c.pedantic && !subject.ValidLiteral(string(a.Subject)) {
		c.sendErr("Invalid Publish Subject")
		return nil
	}
	if c.perms != nil && !c.pubAllowed(a.Subject) {
		c.sendErr(fmt.Sprintf("Permissions Violation for Publish to %q", a.Subject))
		return nil
	}
	if len(a.Reply) > 0 && isReservedReply(a.Reply) {
		// Reply subjects are not checked against publish permissions, but
		// replies in the prefixes the reference keeps for its own routing
		// are refused, whatever the user's permissions.
		c.sendErr(fmt.Sprintf("Permissions Violation for Publish with Reply of %q", a.Reply))
		return nil
	}
	delivered := c.srv.processMsg(c, c.acc, a.Subject, a.Reply, a.HeaderLen, a.Payload)
	if !delivered && len(a.Reply) > 0 && c.noResponders {
		c.sendNoResponders(a.Subject, a.Reply)
	}
	if c.verbose {
		c.sendOK()
	}
	return nil
}

// Reply prefixes reserved by the reference: service import replies,
// JetStream acks and gateway-routed replies (current and legacy).
var (
	serviceReplyPrefix    = []byte("_R_.")
	reservedReplyPrefixes = [][]byte{[]byte("$JS.ACK."), []byte("_GR_."), []byte("$GR.")}
)

// isReservedReply reports whether a client may not use reply as the reply
// subject of a message. As with the reference, "_R_." is reserved on its
// own and the other prefixes only when something follows them.
func isReservedReply(reply []byte) bool {
	if bytes.HasPrefix(reply, serviceReplyPrefix) {
		return true
	}
	for _, p := range reservedReplyPrefixes {
		if len(reply) > len(p) && bytes.HasPrefix(reply, p) {
			return true
		}
	}
	return false
}

// bindDefault binds a client that skipped CONNECT to the default account.
func (c *client) bindDefault() {
	c.echo = true
	c.mu.Lock()
	c.mu.connected = true
	c.acc = c.srv.gacc
	c.acc.addClient(c)
	c.mu.Unlock()
}

// ProcessSub handles SUB.
func (c *client) ProcessSub(subj, queue, sid []byte) error {
	if c.awaitingConnect() {
		if c.srv.auth.required {
			c.sendErr("Authorization Violation")
			return errAuthViolation
		}
		c.bindDefault()
	}
	if !subject.ValidFilter(string(subj)) || (len(queue) > 0 && !subject.ValidQueue(string(queue))) {
		c.sendErr("Invalid Subject")
		return nil
	}
	if c.perms != nil && !c.perms.subAllowed(string(subj), string(queue)) {
		if len(queue) > 0 {
			c.sendErr(fmt.Sprintf("Permissions Violation for Subscription to %q using queue %q", subj, queue))
		} else {
			c.sendErr(fmt.Sprintf("Permissions Violation for Subscription to %q", subj))
		}
		return nil
	}
	sub := &subscription{
		client:  c,
		subject: append([]byte(nil), subj...),
		sid:     append([]byte(nil), sid...),
	}
	if len(queue) > 0 {
		sub.queue = append([]byte(nil), queue...)
	}
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return errClosed
	}
	if max := c.srv.opts.MaxSubscriptions; max > 0 && len(c.mu.subs) >= max {
		c.mu.Unlock()
		c.sendErr("maximum subscriptions exceeded")
		return nil
	}
	key := string(sid)
	if _, dup := c.mu.subs[key]; dup {
		// The reference ignores a SUB that reuses a live sid.
		c.mu.Unlock()
		if c.verbose {
			c.sendOK()
		}
		return nil
	}
	c.mu.subs[key] = sub
	c.mu.Unlock()
	if err := c.acc.sl.Insert(string(sub.subject), string(sub.queue), sub); err != nil {
		c.mu.Lock()
		delete(c.mu.subs, key)
		c.mu.Unlock()
		c.sendErr("Invalid Subject")
		return nil
	}
	if c.verbose {
		c.sendOK()
	}
	return nil
}

// ProcessUnsub handles UNSUB, with an optional auto-unsubscribe count.
func (c *client) ProcessUnsub(sid []byte, max int64) error {
	if c.awaitingConnect() {
		if c.srv.auth.required {
			c.sendErr("Authorization Violation")
			return errAuthViolation
		}
		c.bindDefault()
	}
	c.mu.Lock()
	sub, ok := c.mu.subs[string(sid)]
	remove := ok
	if ok && max > 0 && sub.delivered.Load() < max {
		sub.max.Store(max)
		remove = false
	}
	if remove {
		delete(c.mu.subs, string(sid))
	}
	c.mu.Unlock()
	if remove {
		sub.closed.Store(true)
		_ = c.acc.sl.Remove(sub.subjectString(), sub.queueString(), sub)
	}
	if c.verbose {
		c.sendOK()
	}
	return nil
}

// unsubscribeMax removes a subscription that reached its delivery limit.
func (c *client) unsubscribeMax(sub *subscription) {
	c.mu.Lock()
	key := string(sub.sid)
	if cur, ok := c.mu.subs[key]; ok && cur == sub {
		delete(c.mu.subs, key)
	} else {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	sub.closed.Store(true)
	if c.acc != nil {
		_ = c.acc.sl.Remove(sub.subjectString(), sub.queueString(), sub)
	}
}

// ProcessPing answers PING with PONG.
func (c *client) ProcessPing() error {
	// Make this read's statistics visible before the PONG: clients flush
	// and then read monitoring.
	c.flushStats()
	c.enqueue([]byte("PONG\r\n"))
	c.afterPong()
	return nil
}

// ProcessPong records a PONG: outstanding pings reset and RTT measured.
func (c *client) ProcessPong() error {
	c.mu.Lock()
	c.mu.pingsOut = 0
	c.mu.Unlock()
	if start := c.rttStart.Swap(0); start > 0 {
		c.rtt.Store(time.Now().UnixNano() - start)
	}
	return nil
}

// ProcessInfo ignores INFO from a client, as the reference does, unless it
// is not valid JSON, which closes the connection silently.
func (c *client) ProcessInfo(arg []byte) error {
	if !json.Valid(arg) {
		return errBadConnect
	}
	return nil
}

// ProcessOK ignores +OK from a client.
func (c *client) ProcessOK() error { return nil }

// ProcessErr closes the connection: clients do not send -ERR, and the
// reference treats one as a parse error.
func (c *client) ProcessErr([]byte) error { return errClientErr }

// sendNoResponders tells a requester that nobody listens on subject: a
// header-only 503 message on its reply subject, to its own subscription.
func (c *client) sendNoResponders(subj, reply []byte) {
	hdr := make([]byte, 0, 64+len(subj))
	hdr = append(hdr, "NATS/1.0 503\r\nNats-Subject: "...)
	hdr = append(hdr, subj...)
	hdr = append(hdr, "\r\n\r\n"...)
	r := c.acc.sl.MatchBytes(reply)
	for _, sub := range r.Plain {
		if sub.client == c {
			c.srv.deliver(c, sub, reply, nil, len(hdr), hdr)
			c.flushPending()
			return
		}
	}
	for _, g := range r.Queues {
		for _, sub := range g.Members {
			if sub.client == c {
				c.srv.deliver(c, sub, reply, nil, len(hdr), hdr)
				c.flushPending()
				return
			}
		}
	}
}
