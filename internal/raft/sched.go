package raft

import "sync"

// Scheduling states of a group, guarded by scheduler.mu.
const (
	schedIdle    = iota // no work known
	schedQueued         // in the queue
	schedRunning        // a worker holds it
	schedAgain          // a worker holds it and more work arrived
)

// scheduler hands groups with work to the workers. A group is in the queue
// at most once and held by at most one worker, so a group's RawNode is
// only ever used by one goroutine at a time; work arriving while a worker
// holds the group makes it queue again when the worker is done.
type scheduler struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*Group // guarded by mu
	stopped bool     // guarded by mu
}

func newScheduler() *scheduler {
	s := &scheduler{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// enqueue marks g as having work.
func (s *scheduler) enqueue(g *Group) {
	s.mu.Lock()
	switch g.sched {
	case schedIdle:
		g.sched = schedQueued
		s.queue = append(s.queue, g)
		s.cond.Signal()
	case schedRunning:
		g.sched = schedAgain
	}
	s.mu.Unlock()
}

// take appends up to max queued groups to dst and marks them running. With
// wait it blocks until there is work or the scheduler stops; it returns
// nil once stopped.
func (s *scheduler) take(dst []*Group, max int, wait bool) []*Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	for wait && len(s.queue) == 0 && !s.stopped {
		s.cond.Wait()
	}
	if s.stopped {
		return nil
	}
	n := min(max, len(s.queue))
	for _, g := range s.queue[:n] {
		g.sched = schedRunning
		dst = append(dst, g)
	}
	rest := copy(s.queue, s.queue[n:])
	clear(s.queue[rest:])
	s.queue = s.queue[:rest]
	if len(s.queue) > 0 {
		s.cond.Signal()
	}
	return dst
}

// done releases g; it queues again if more work arrived or more is true.
func (s *scheduler) done(g *Group, more bool) {
	s.mu.Lock()
	if g.sched == schedAgain || more {
		g.sched = schedQueued
		s.queue = append(s.queue, g)
		s.cond.Signal()
	} else {
		g.sched = schedIdle
	}
	s.mu.Unlock()
}

func (s *scheduler) stop() {
	s.mu.Lock()
	s.stopped = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *scheduler) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}
