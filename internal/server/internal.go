package server

import (
	"sync"
)

// internalMsg is a message for a server-internal subscription, copied out of
// the publisher's buffers.
type internalMsg struct {
	sub     *subscription
	subject string
	reply   string
	hdr     []byte
	msg     []byte
}

// internalQueue hands messages from publishers' goroutines to the single
// goroutine that runs internal handlers, so a handler never runs on, or
// blocks, a client's read loop.
type internalQueue struct {
	mu     sync.Mutex
	msgs   []internalMsg // guarded by mu
	signal chan struct{}
}

func (q *internalQueue) push(m internalMsg) {
	q.mu.Lock()
	q.msgs = append(q.msgs, m)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *internalQueue) pop(dst []internalMsg) []internalMsg {
	q.mu.Lock()
	dst = append(dst[:0], q.msgs...)
	clear(q.msgs)
	q.msgs = q.msgs[:0]
	q.mu.Unlock()
	return dst
}

func (s *Server) queueInternal(sub *subscription, subj, reply []byte, hdrLen int, payload []byte) {
	m := internalMsg{sub: sub, subject: string(subj), reply: string(reply)}
	if hdrLen >= 0 {
		m.hdr = append([]byte(nil), payload[:hdrLen]...)
		m.msg = append([]byte(nil), payload[hdrLen:]...)
	} else {
		m.msg = append([]byte(nil), payload...)
	}
	s.iq.push(m)
}

// internalLoop runs internal subscription handlers in arrival order.
func (s *Server) internalLoop() {
	var batch []internalMsg
	for {
		select {
		case <-s.quit:
			return
		case <-s.iq.signal:
		}
		batch = s.iq.pop(batch)
		for i := range batch {
			m := &batch[i]
			if !m.sub.closed.Load() {
				m.sub.icb(m.subject, m.reply, m.hdr, m.msg)
			}
			*m = internalMsg{}
		}
	}
}

// subscribeInternal registers a server-owned subscription in acc.
func (s *Server) subscribeInternal(acc *Account, subj, queue string, cb internalHandler) (*subscription, error) {
	sub := &subscription{subject: []byte(subj), icb: cb}
	if queue != "" {
		sub.queue = []byte(queue)
	}
	if err := acc.sl.Insert(subj, queue, sub); err != nil {
		return nil, err
	}
	return sub, nil
}

// unsubscribeInternal removes a server-owned subscription.
func (s *Server) unsubscribeInternal(acc *Account, sub *subscription) {
	sub.closed.Store(true)
	_ = acc.sl.Remove(sub.subjectString(), sub.queueString(), sub)
}

// publishInternal publishes a message as the server in acc. hdr may be nil.
func (s *Server) publishInternal(acc *Account, subj, reply string, hdr, msg []byte) {
	hdrLen := -1
	payload := msg
	if hdr != nil {
		hdrLen = len(hdr)
		payload = make([]byte, 0, len(hdr)+len(msg))
		payload = append(payload, hdr...)
		payload = append(payload, msg...)
	}
	s.processMsg(nil, acc, []byte(subj), []byte(reply), hdrLen, payload)
}
