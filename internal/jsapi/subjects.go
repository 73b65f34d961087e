package jsapi

import "strings"

// API subject roots. A domain-qualified request on "$JS.<domain>.API.>" is
// the same request as on "$JS.API.>".
const (
	APIPrefix      = "$JS.API"   // every endpoint is below this prefix
	APIAll         = "$JS.API.>" // subscription that covers every endpoint
	jsPrefix       = "$JS."
	apiToken       = "API"
	maxFixedTokens = 7 // longest endpoint before its filter, plus one
	tokenSep       = '.'
	fullWildToken  = ">"
)

// DomainAPIPrefix returns "$JS.<domain>.API", or "$JS.API" for domain "".
func DomainAPIPrefix(domain string) string {
	if domain == "" {
		return APIPrefix
	}
	return jsPrefix + domain + "." + apiToken
}

// Endpoint identifies one JetStream API endpoint.
type Endpoint uint8

// The endpoints, one per subscription of the reference server.
const (
	APIUnknown Endpoint = iota

	APIAccountInfo // INFO

	APIStreamCreate         // STREAM.CREATE.<stream>
	APIStreamUpdate         // STREAM.UPDATE.<stream>
	APIStreamNames          // STREAM.NAMES
	APIStreamList           // STREAM.LIST
	APIStreamInfo           // STREAM.INFO.<stream>
	APIStreamDelete         // STREAM.DELETE.<stream>
	APIStreamPurge          // STREAM.PURGE.<stream>
	APIStreamSnapshot       // STREAM.SNAPSHOT.<stream>
	APIStreamRestore        // STREAM.RESTORE.<stream>
	APIStreamMsgDelete      // STREAM.MSG.DELETE.<stream>
	APIStreamMsgGet         // STREAM.MSG.GET.<stream>
	APIStreamLeaderStepDown // STREAM.LEADER.STEPDOWN.<stream>
	APIStreamPeerRemove     // STREAM.PEER.REMOVE.<stream>
	APIStreamPeerEvacuate   // STREAM.PEER.EVACUATE.<stream>
	APIStreamCancelMove     // STREAM.CANCEL_MOVE.<stream>

	APIDirectGet              // DIRECT.GET.<stream>
	APIDirectGetLastBySubject // DIRECT.GET.<stream>.<subject...>

	APIConsumerCreate          // CONSUMER.CREATE.<stream>.<consumer>[.<filter...>]
	APIConsumerCreateEphemeral // CONSUMER.CREATE.<stream> (legacy)
	APIConsumerDurableCreate   // CONSUMER.DURABLE.CREATE.<stream>.<durable> (legacy)
	APIConsumerNames           // CONSUMER.NAMES.<stream>
	APIConsumerList            // CONSUMER.LIST.<stream>
	APIConsumerInfo            // CONSUMER.INFO.<stream>.<consumer>
	APIConsumerDelete          // CONSUMER.DELETE.<stream>.<consumer>
	APIConsumerPause           // CONSUMER.PAUSE.<stream>.<consumer>
	APIConsumerUnpin           // CONSUMER.UNPIN.<stream>.<consumer>
	APIConsumerReset           // CONSUMER.RESET.<stream>.<consumer>
	APIConsumerMsgNext         // CONSUMER.MSG.NEXT.<stream>.<consumer>
	APIConsumerLeaderStepDown  // CONSUMER.LEADER.STEPDOWN.<stream>.<consumer>
	APIConsumerPeerRemove      // CONSUMER.PEER.REMOVE.<stream>.<consumer>
	APIConsumerPeerEvacuate    // CONSUMER.PEER.EVACUATE.<stream>.<consumer>

	APIMetaLeaderStepDown      // META.LEADER.STEPDOWN (system account)
	APIMetaRescue              // META.RESCUE (system account)
	APIServerRemove            // SERVER.REMOVE (system account)
	APIServerEvacuate          // SERVER.EVACUATE (system account)
	APIAccountPurge            // ACCOUNT.PURGE.<account> (system account)
	APIAccountStreamMove       // ACCOUNT.STREAM.MOVE.<account>.<stream> (system account)
	APIAccountStreamCancelMove // ACCOUNT.STREAM.CANCEL_MOVE.<account>.<stream> (system account)

	numEndpoints
)

// argKind is the meaning of a variable subject token.
type argKind uint8

const (
	argStream   argKind = iota + 1
	argConsumer         // one token
	argAccount          // one token
	argFilter           // one or more tokens, always last
)

type endpointSpec struct {
	ops  []string // fixed tokens after "$JS.API."
	args []argKind
	// optFilter: the tokens after args, if any, are the filter.
	optFilter bool
	resp      string // response type; "" when the reply is not a JSON response
	system    bool   // system account only
}

var (
	aS  = []argKind{argStream}
	aSC = []argKind{argStream, argConsumer}
	aSF = []argKind{argStream, argFilter}
	aA  = []argKind{argAccount}
	aAS = []argKind{argAccount, argStream}
)

var endpoints = [numEndpoints]endpointSpec{
	APIAccountInfo: {ops: []string{"INFO"}, resp: AccountInfoResponseType},

	APIStreamCreate:         {ops: []string{"STREAM", "CREATE"}, args: aS, resp: StreamCreateResponseType},
	APIStreamUpdate:         {ops: []string{"STREAM", "UPDATE"}, args: aS, resp: StreamUpdateResponseType},
	APIStreamNames:          {ops: []string{"STREAM", "NAMES"}, resp: StreamNamesResponseType},
	APIStreamList:           {ops: []string{"STREAM", "LIST"}, resp: StreamListResponseType},
	APIStreamInfo:           {ops: []string{"STREAM", "INFO"}, args: aS, resp: StreamInfoResponseType},
	APIStreamDelete:         {ops: []string{"STREAM", "DELETE"}, args: aS, resp: StreamDeleteResponseType},
	APIStreamPurge:          {ops: []string{"STREAM", "PURGE"}, args: aS, resp: StreamPurgeResponseType},
	APIStreamSnapshot:       {ops: []string{"STREAM", "SNAPSHOT"}, args: aS, resp: StreamSnapshotResponseType},
	APIStreamRestore:        {ops: []string{"STREAM", "RESTORE"}, args: aS, resp: StreamRestoreResponseType},
	APIStreamMsgDelete:      {ops: []string{"STREAM", "MSG", "DELETE"}, args: aS, resp: StreamMsgDeleteResponseType},
	APIStreamMsgGet:         {ops: []string{"STREAM", "MSG", "GET"}, args: aS, resp: StreamMsgGetResponseType},
	APIStreamLeaderStepDown: {ops: []string{"STREAM", "LEADER", "STEPDOWN"}, args: aS, resp: StreamLeaderStepDownResponseType},
	APIStreamPeerRemove:     {ops: []string{"STREAM", "PEER", "REMOVE"}, args: aS, resp: StreamRemovePeerResponseType},
	APIStreamPeerEvacuate:   {ops: []string{"STREAM", "PEER", "EVACUATE"}, args: aS, resp: StreamEvacuatePeerResponseType},
	APIStreamCancelMove:     {ops: []string{"STREAM", "CANCEL_MOVE"}, args: aS, resp: StreamCancelMoveResponseType},

	APIDirectGet:              {ops: []string{"DIRECT", "GET"}, args: aS},
	APIDirectGetLastBySubject: {ops: []string{"DIRECT", "GET"}, args: aSF},

	APIConsumerCreate:          {ops: []string{"CONSUMER", "CREATE"}, args: aSC, optFilter: true, resp: ConsumerCreateResponseType},
	APIConsumerCreateEphemeral: {ops: []string{"CONSUMER", "CREATE"}, args: aS, resp: ConsumerCreateResponseType},
	APIConsumerDurableCreate:   {ops: []string{"CONSUMER", "DURABLE", "CREATE"}, args: aSC, resp: ConsumerCreateResponseType},
	APIConsumerNames:           {ops: []string{"CONSUMER", "NAMES"}, args: aS, resp: ConsumerNamesResponseType},
	APIConsumerList:            {ops: []string{"CONSUMER", "LIST"}, args: aS, resp: ConsumerListResponseType},
	APIConsumerInfo:            {ops: []string{"CONSUMER", "INFO"}, args: aSC, resp: ConsumerInfoResponseType},
	APIConsumerDelete:          {ops: []string{"CONSUMER", "DELETE"}, args: aSC, resp: ConsumerDeleteResponseType},
	APIConsumerPause:           {ops: []string{"CONSUMER", "PAUSE"}, args: aSC, resp: ConsumerPauseResponseType},
	APIConsumerUnpin:           {ops: []string{"CONSUMER", "UNPIN"}, args: aSC, resp: ConsumerUnpinResponseType},
	APIConsumerReset:           {ops: []string{"CONSUMER", "RESET"}, args: aSC, resp: ConsumerResetResponseType},
	APIConsumerMsgNext:         {ops: []string{"CONSUMER", "MSG", "NEXT"}, args: aSC},
	APIConsumerLeaderStepDown:  {ops: []string{"CONSUMER", "LEADER", "STEPDOWN"}, args: aSC, resp: ConsumerLeaderStepDownResponseType},
	APIConsumerPeerRemove:      {ops: []string{"CONSUMER", "PEER", "REMOVE"}, args: aSC, resp: ConsumerRemovePeerResponseType},
	APIConsumerPeerEvacuate:    {ops: []string{"CONSUMER", "PEER", "EVACUATE"}, args: aSC, resp: ConsumerEvacuatePeerResponseType},

	APIMetaLeaderStepDown:      {ops: []string{"META", "LEADER", "STEPDOWN"}, resp: MetaLeaderStepDownResponseType, system: true},
	APIMetaRescue:              {ops: []string{"META", "RESCUE"}, resp: MetaRescueResponseType, system: true},
	APIServerRemove:            {ops: []string{"SERVER", "REMOVE"}, resp: MetaServerRemoveResponseType, system: true},
	APIServerEvacuate:          {ops: []string{"SERVER", "EVACUATE"}, resp: MetaServerEvacuateResponseType, system: true},
	APIAccountPurge:            {ops: []string{"ACCOUNT", "PURGE"}, args: aA, resp: AccountPurgeResponseType, system: true},
	APIAccountStreamMove:       {ops: []string{"ACCOUNT", "STREAM", "MOVE"}, args: aAS, resp: StreamUpdateResponseType, system: true},
	APIAccountStreamCancelMove: {ops: []string{"ACCOUNT", "STREAM", "CANCEL_MOVE"}, args: aAS, resp: StreamCancelMoveResponseType, system: true},
}

func (e Endpoint) spec() *endpointSpec {
	if e == APIUnknown || e >= numEndpoints {
		return nil
	}
	return &endpoints[e]
}

// String returns the endpoint's fixed tokens, e.g. "STREAM.MSG.GET";
// the two DIRECT.GET forms and the CONSUMER.CREATE forms share a name.
func (e Endpoint) String() string {
	if s := e.spec(); s != nil {
		return strings.Join(s.ops, ".")
	}
	return "UNKNOWN"
}

// ResponseType returns the "type" of the endpoint's JSON response, or ""
// for DIRECT.GET and CONSUMER.MSG.NEXT, which answer with messages.
func (e Endpoint) ResponseType() string {
	if s := e.spec(); s != nil {
		return s.resp
	}
	return ""
}

// SystemOnly reports whether only the system account may call e.
func (e Endpoint) SystemOnly() bool {
	s := e.spec()
	return s != nil && s.system
}

// Pattern returns the subscription subject of e, with '*' for a name token
// and '>' for the trailing filter, e.g. "$JS.API.DIRECT.GET.*.>". The
// pattern of APIConsumerCreate, "$JS.API.CONSUMER.CREATE.*.>", covers the
// consumer name and the optional filter.
func (e Endpoint) Pattern() string {
	s := e.spec()
	if s == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(APIPrefix)
	for _, op := range s.ops {
		b.WriteByte(tokenSep)
		b.WriteString(op)
	}
	for i, a := range s.args {
		b.WriteByte(tokenSep)
		if a == argFilter || (s.optFilter && i == len(s.args)-1) {
			b.WriteString(fullWildToken)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// APISubject is a parsed API request subject.
type APISubject struct {
	Endpoint Endpoint
	Domain   string // the <domain> of "$JS.<domain>.API...", else ""
	Account  string // ACCOUNT.* endpoints
	Stream   string
	Consumer string // consumer or durable name
	// Filter is the filter subject of CONSUMER.CREATE.<s>.<c>.<filter> or
	// the subject of DIRECT.GET.<s>.<subject>; it may span several tokens
	// and contain wildcards.
	Filter string
}

// String builds the request subject, with the domain prefix when Domain is
// set. Fields the endpoint does not use are ignored. For APIConsumerCreate
// an empty Filter gives the form without filter.
func (s APISubject) String() string {
	spec := s.Endpoint.spec()
	if spec == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(DomainAPIPrefix(s.Domain))
	for _, op := range spec.ops {
		b.WriteByte(tokenSep)
		b.WriteString(op)
	}
	for _, a := range spec.args {
		var v string
		switch a {
		case argStream:
			v = s.Stream
		case argConsumer:
			v = s.Consumer
		case argAccount:
			v = s.Account
		case argFilter:
			v = s.Filter
		}
		b.WriteByte(tokenSep)
		b.WriteString(v)
	}
	if spec.optFilter && s.Filter != "" {
		b.WriteByte(tokenSep)
		b.WriteString(s.Filter)
	}
	return b.String()
}

// ParseAPISubject recognises every endpoint subject, in the plain form
// "$JS.API.<...>" and the domain form "$JS.<domain>.API.<...>". It reports
// false for subjects that are not exactly one of the endpoints (the
// reference answers those, from a client, with a 10003 bad request).
// Name tokens are returned as they are, wildcards included; callers check
// them against the request body and the naming rules.
func ParseAPISubject(subject string) (APISubject, bool) {
	rest, ok := strings.CutPrefix(subject, jsPrefix)
	if !ok {
		return APISubject{}, false
	}
	if r, ok := strings.CutPrefix(rest, apiToken+"."); ok {
		if p, ok := parseEndpoint(r); ok {
			return p, true
		}
	}
	// Domain form: $JS.<domain>.API.<...>
	i := strings.IndexByte(rest, tokenSep)
	if i <= 0 {
		return APISubject{}, false
	}
	domain := rest[:i]
	r, ok := strings.CutPrefix(rest[i+1:], apiToken+".")
	if !ok {
		return APISubject{}, false
	}
	p, ok := parseEndpoint(r)
	if !ok {
		return APISubject{}, false
	}
	p.Domain = domain
	return p, true
}

// parseEndpoint parses the part of a subject after "$JS.API.".
func parseEndpoint(rest string) (APISubject, bool) {
	// Record where the first tokens start; endpoints have at most six
	// tokens before the filter, which is taken as the remainder.
	var starts [maxFixedTokens + 1]int
	ntok, start := 0, 0
	for i := 0; i <= len(rest); i++ {
		if i == len(rest) || rest[i] == tokenSep {
			if i == start {
				return APISubject{}, false // empty token
			}
			if ntok < len(starts) {
				starts[ntok] = start
			}
			ntok++
			start = i + 1
		}
	}
	tok := func(i int) string {
		if i+1 < ntok {
			return rest[starts[i] : starts[i+1]-1]
		}
		return rest[starts[i]:]
	}

	for e := Endpoint(1); e < numEndpoints; e++ {
		spec := &endpoints[e]
		fixed, nargs := len(spec.ops), len(spec.args)
		open := spec.optFilter || (nargs > 0 && spec.args[nargs-1] == argFilter)
		if ntok < fixed+nargs || (!open && ntok != fixed+nargs) {
			continue
		}
		match := true
		for i, op := range spec.ops {
			if tok(i) != op {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		p := APISubject{Endpoint: e}
		for j, a := range spec.args {
			i := fixed + j
			switch a {
			case argStream:
				p.Stream = tok(i)
			case argConsumer:
				p.Consumer = tok(i)
			case argAccount:
				p.Account = tok(i)
			case argFilter:
				p.Filter = rest[starts[i]:]
			}
		}
		if spec.optFilter && ntok > fixed+nargs {
			p.Filter = rest[starts[fixed+nargs]:]
		}
		return p, true
	}
	return APISubject{}, false
}

// splitTokens appends the '.'-separated tokens of s to buf.
func splitTokens(s string, buf []string) []string {
	for {
		i := strings.IndexByte(s, tokenSep)
		if i < 0 {
			return append(buf, s)
		}
		buf = append(buf, s[:i])
		s = s[i+1:]
	}
}
