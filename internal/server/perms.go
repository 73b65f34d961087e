package server

import (
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/subject"
)

// maxPubCache bounds a client's cache of publish permission decisions.
const maxPubCache = 1024

// subjectRules is one direction (publish or subscribe) of a user's
// permissions. A nil allow list allows everything not denied; an empty,
// non-nil one allows nothing.
type subjectRules struct {
	allow []string
	deny  []string
	// msgDeny are the subscribe deny entries without a queue part. A
	// wildcard subscription may overlap them only partly, so deliveries on
	// subjects they match are withheld. Entries with a queue part only
	// refuse subscriptions in that queue and filter nothing.
	msgDeny []string
}

func (r *subjectRules) hasRules() bool { return r.allow != nil || r.deny != nil }

// deniesDelivery reports whether a message on the literal subject subj must
// be withheld from the user's subscriptions.
func (r *subjectRules) deniesDelivery(subj []byte) bool {
	for _, d := range r.msgDeny {
		if subject.Matches(d, string(subj)) {
			return true
		}
	}
	return false
}

// filterOf strips a queue part ("subject queue") from a permission entry.
func filterOf(entry string) string {
	if i := strings.IndexByte(entry, ' '); i >= 0 {
		return entry[:i]
	}
	return entry
}

// queueOf returns the queue part of a permission entry, if any.
func queueOf(entry string) (string, bool) {
	if i := strings.IndexByte(entry, ' '); i >= 0 {
		return strings.TrimSpace(entry[i+1:]), true
	}
	return "", false
}

// perms are a connected user's effective permissions. Immutable except for
// pubCache, which only the client's reader touches.
type perms struct {
	pub      subjectRules
	sub      subjectRules
	resp     *ResponsePermission
	pubCache map[string]bool
}

func newPerms(p *Permissions) *perms {
	if p == nil {
		return nil
	}
	out := &perms{pubCache: make(map[string]bool)}
	if p.Publish != nil {
		out.pub = subjectRules{allow: p.Publish.Allow, deny: p.Publish.Deny}
	}
	if p.Subscribe != nil {
		out.sub = subjectRules{allow: p.Subscribe.Allow, deny: p.Subscribe.Deny}
		for _, d := range p.Subscribe.Deny {
			if _, hasQueue := queueOf(d); !hasQueue {
				out.sub.msgDeny = append(out.sub.msgDeny, d)
			}
		}
	}
	if p.Response != nil {
		r := *p.Response
		if r.MaxMsgs == 0 {
			r.MaxMsgs = DefaultResponseMaxMsgs
		}
		if r.Expires == 0 {
			// Grants must expire by default, or a responder that leaves
			// requests unanswered would collect them forever.
			r.Expires = DefaultResponseExpiration
		}
		out.resp = &r
		if out.pub.allow == nil {
			// With responses allowed and no publish rules, a user may
			// publish only replies.
			out.pub.allow = []string{}
		}
	}
	return out
}

// pubAllowed applies the publish rules to a literal subject.
func (p *perms) pubAllowed(subj string) bool {
	if p.pub.allow != nil {
		ok := false
		for _, a := range p.pub.allow {
			if subject.Matches(a, subj) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, d := range p.pub.deny {
		if subject.Matches(d, subj) {
			return false
		}
	}
	return true
}

// subAllowed applies the subscribe rules to a subscription filter and queue.
func (p *perms) subAllowed(filter, queue string) bool {
	if p.sub.allow != nil {
		ok := false
		for _, a := range p.sub.allow {
			if entryCovers(a, filter, queue) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, d := range p.sub.deny {
		if entryCovers(d, filter, queue) {
			return false
		}
	}
	return true
}

// entryCovers reports whether a permission entry, "subject" or
// "subject queue", covers a subscription.
func entryCovers(entry, filter, queue string) bool {
	if !subject.SubsetOf(filter, filterOf(entry)) {
		return false
	}
	q, hasQueue := queueOf(entry)
	if !hasQueue {
		return true
	}
	return queue != "" && subject.Matches(q, queue)
}

// pubAllowed checks the client's publish permission for subj, with a cache
// of decisions and the reply grants from allow_responses. Reader only.
func (c *client) pubAllowed(subj []byte) bool {
	p := c.perms
	if ok, hit := p.pubCache[string(subj)]; hit && ok {
		return true
	} else if !hit {
		ok = p.pubAllowed(string(subj))
		if len(p.pubCache) >= maxPubCache {
			clear(p.pubCache)
		}
		p.pubCache[string(subj)] = ok
		if ok {
			return true
		}
	}
	return p.resp != nil && c.useReplyGrant(string(subj))
}

// replyGrant lets a client publish to a reply subject it received.
type replyGrant struct {
	remaining int
	expires   time.Time // zero: never
}

// grantReply records that the client may answer on reply.
func (c *client) grantReply(reply []byte) {
	r := c.perms.resp
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.replies == nil {
		c.mu.replies = make(map[string]*replyGrant)
	}
	g := &replyGrant{remaining: r.MaxMsgs}
	if r.Expires > 0 {
		g.expires = time.Now().Add(r.Expires)
	}
	c.mu.replies[string(reply)] = g
	if len(c.mu.replies) > 4*maxPubCache {
		c.pruneRepliesLocked()
	}
}

// useReplyGrant consumes one response allowance for subj, if there is one.
func (c *client) useReplyGrant(subj string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.mu.replies[subj]
	if !ok {
		return false
	}
	if !g.expires.IsZero() && time.Now().After(g.expires) {
		delete(c.mu.replies, subj)
		return false
	}
	if g.remaining > 0 {
		g.remaining--
		if g.remaining == 0 {
			delete(c.mu.replies, subj)
		}
	}
	return true
}

// pruneRepliesLocked drops expired grants. c.mu must be held.
func (c *client) pruneRepliesLocked() {
	now := time.Now()
	for k, g := range c.mu.replies {
		if !g.expires.IsZero() && now.After(g.expires) {
			delete(c.mu.replies, k)
		}
	}
}
