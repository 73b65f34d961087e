package jetstream

import (
	"strings"
	"time"

	"github.com/natsnet/natsnet/internal/server"
)

// numConsumers reports the stream's consumers.
func (e *streamEntry) numConsumers() int { return e.st.NumConsumers() }

// unixUTC renders a store timestamp.
func unixUTC(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// subscribeConsumerTraffic routes acks and flow-control replies of the
// stream's consumers: $JS.ACK.<stream>.> and $JS.FC.<stream>.>, handled on
// the sender's goroutine (the consumer only queues them).
func (e *streamEntry) subscribeConsumerTraffic(a *jsAccount, name string) error {
	ack, err := a.acc.Subscribe("$JS.ACK."+name+".>", server.SubscribeOptions{Inline: true}, e.routeAck)
	if err != nil {
		return err
	}
	e.subs = append(e.subs, ack)
	fc, err := a.acc.Subscribe("$JS.FC."+name+".>", server.SubscribeOptions{Inline: true}, e.routeFlowControl)
	if err != nil {
		return err
	}
	e.subs = append(e.subs, fc)
	return nil
}

// consumerToken returns the consumer name in "$JS.X.<stream>.<consumer>...".
func consumerToken(subject string) string {
	// Skip "$JS.", the kind token and the stream token.
	rest := subject
	for i := 0; i < 3; i++ {
		dot := strings.IndexByte(rest, '.')
		if dot < 0 {
			return ""
		}
		rest = rest[dot+1:]
	}
	if dot := strings.IndexByte(rest, '.'); dot >= 0 {
		return rest[:dot]
	}
	return rest
}

func (e *streamEntry) routeAck(subject, reply string, _, data []byte) {
	if c, ok := e.st.Consumer(consumerToken(subject)); ok {
		c.ProcessAck(subject, reply, data)
	}
}

func (e *streamEntry) routeFlowControl(subject, _ string, _, _ []byte) {
	if c, ok := e.st.Consumer(consumerToken(subject)); ok {
		c.ProcessFlowControl(subject)
	}
}

// housekeeping runs periodic consumer chores: deleting inactive
// ephemerals and telling push consumers about interest changes.
func (s *Service) housekeeping() {
	defer s.wg.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case now := <-t.C:
			s.mu.Lock()
			accs := make([]*jsAccount, 0, len(s.mu.accounts))
			for _, a := range s.mu.accounts {
				accs = append(accs, a)
			}
			s.mu.Unlock()
			for _, a := range accs {
				a.consumerChores(now)
			}
		}
	}
}

func (a *jsAccount) consumerChores(now time.Time) {
	a.mu.Lock()
	entries := make([]*streamEntry, 0, len(a.mu.streams))
	for _, e := range a.mu.streams {
		entries = append(entries, e)
	}
	a.mu.Unlock()
	for _, e := range entries {
		for _, c := range e.st.Consumers() {
			if c.IsInactive(now) {
				c.Delete()
				e.st.RemoveConsumer(c.Name())
				e.setConsumerStore(c.Name(), nil)
				continue
			}
			if c.Config().DeliverSubject != "" {
				c.InterestChanged()
			}
		}
	}
}
