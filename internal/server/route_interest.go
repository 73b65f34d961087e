package server

import (
	"strings"
	"sync"

	"github.com/natsnet/natsnet/internal/route/wire"
)

// Interest propagation. In a clustered server every account counts its
// local subscriptions per (subject, queue) and tells every route when a
// plain subject gains its first or loses its last subscriber (RS+ / RS-),
// and whenever the member count of a queue group changes (RS+ with the new
// weight, RS- at zero). Server-internal subscriptions count like client
// ones, which is how system requests reach every server; subscriptions
// that hold another server's interest never do.
//
// Ordering: changes of one account are applied under its interest lock,
// and the RS+/RS- line is appended to the routes' output buffers under it,
// so a route sees an account's changes in the order of the counts. A
// client's SUB is therefore always on the wire before any message it
// publishes afterwards, which is what makes request/reply across servers
// work without waiting: the responder's server learns of the requester's
// reply subscription before it gets the request.
//
// A route that becomes active is first added to the active list and then,
// per account under the interest lock, sent the current counts; a change
// racing with that is either in the snapshot or sent after it.

// interestMap is an account's count of local subscriptions.
type interestMap struct {
	mu sync.Mutex
	m  map[string]int32 // "subject" or "subject queue"; guarded by mu
}

// observeInterest installs the account's sublist observer. Called once at
// account creation in a clustered server.
func (a *Account) observeInterest() {
	a.ri.m = make(map[string]int32)
	a.sl.SetObserver(func(subj, queue string, sub *subscription, added bool) {
		if sub.isRoute() {
			return
		}
		d := int32(1)
		if !added {
			d = -1
		}
		a.interestChanged(subj, queue, d)
	})
}

// interestChanged applies one subscription more (d=1) or less (d=-1) and
// tells the routes when that changes what they know.
func (a *Account) interestChanged(subj, queue string, d int32) {
	key := subj
	if queue != "" {
		key = subj + " " + queue
	}
	var buf [256]byte
	var line []byte
	ri := &a.ri
	ri.mu.Lock()
	defer ri.mu.Unlock()
	n := ri.m[key] + d
	if n <= 0 {
		delete(ri.m, key)
		n = 0
	} else {
		ri.m[key] = n
	}
	switch {
	case queue == "" && d > 0 && n == 1:
		line = wire.AppendSub(buf[:0], a.Name, subj, "", 0)
	case queue == "" && n == 0:
		line = wire.AppendUnsub(buf[:0], a.Name, subj, "")
	case queue != "" && n > 0:
		line = wire.AppendSub(buf[:0], a.Name, subj, queue, n)
	case queue != "":
		line = wire.AppendUnsub(buf[:0], a.Name, subj, queue)
	default:
		return
	}
	for _, rc := range a.srv.routes.activeList() {
		rc.enqueue(line)
	}
}

// sendInterestSnapshot sends a newly active route the server's interest.
func (s *Server) sendInterestSnapshot(rc *client) {
	const flushAt = 32 * 1024
	buf := make([]byte, 0, flushAt+512)
	for _, a := range s.accounts.list() {
		ri := &a.ri
		ri.mu.Lock()
		for key, n := range ri.m {
			subj, queue, _ := strings.Cut(key, " ")
			buf = wire.AppendSub(buf, a.Name, subj, queue, n)
			if len(buf) >= flushAt {
				rc.enqueue(buf)
				buf = buf[:0]
			}
		}
		if len(buf) > 0 {
			rc.enqueue(buf)
			buf = buf[:0]
		}
		ri.mu.Unlock()
	}
}

// InterestCount reports how many distinct (subject, queue) pairs of local
// interest the account advertises to routes.
func (a *Account) InterestCount() int {
	a.ri.mu.Lock()
	defer a.ri.mu.Unlock()
	return len(a.ri.m)
}
