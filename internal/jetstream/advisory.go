package jetstream

import (
	"github.com/nats-io/nuid"

	"github.com/natsnet/natsnet/internal/jsapi"
)

// Advisories are published in the account on $JS.EVENT.ADVISORY.>, and
// only built when someone listens.

// auditAPI publishes the API audit advisory for a served request.
func (a *jsAccount) auditAPI(m *apiMsg, response []byte) {
	if !a.acc.HasInterest(jsapi.AdvisoryAPIAudit) {
		return
	}
	ev := jsapi.NewEvent(&jsapi.APIAudit{
		Server:   a.svc.srv.Name(),
		Client:   &jsapi.ClientInfo{Account: a.acc.Name, Reply: m.reply},
		Subject:  m.subject,
		Request:  string(m.data),
		Response: string(response),
		Domain:   a.svc.cfg.Domain,
	}, nuid.Next(), now())
	a.advisory(jsapi.AdvisoryAPIAudit, ev)
}

// streamAdvisory announces a stream lifecycle action.
func (a *jsAccount) streamAdvisory(prefix, stream string, action jsapi.ActionAdvisoryType) {
	subject := prefix + "." + stream
	if !a.acc.HasInterest(subject) {
		return
	}
	a.advisory(subject, jsapi.NewEvent(&jsapi.StreamActionAdvisory{
		Stream: stream, Action: action, Domain: a.svc.cfg.Domain,
	}, nuid.Next(), now()))
}

// consumerAdvisory announces a consumer lifecycle action.
func (a *jsAccount) consumerAdvisory(prefix, stream, consumer string, action jsapi.ActionAdvisoryType) {
	subject := prefix + "." + stream + "." + consumer
	if !a.acc.HasInterest(subject) {
		return
	}
	a.advisory(subject, jsapi.NewEvent(&jsapi.ConsumerActionAdvisory{
		Stream: stream, Consumer: consumer, Action: action, Domain: a.svc.cfg.Domain,
	}, nuid.Next(), now()))
}
