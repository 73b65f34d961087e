package server

import (
	"crypto/tls"
	"log/slog"
	"time"
)

// Defaults, matching the reference server where one exists.
const (
	DefaultPort            = 4222
	DefaultHost            = "0.0.0.0"
	DefaultMaxControlLine  = 4096
	DefaultMaxPayload      = 1024 * 1024
	DefaultMaxPending      = 64 * 1024 * 1024
	DefaultPingInterval    = 2 * time.Minute
	DefaultPingMaxOut      = 2
	DefaultAuthTimeout     = 2 * time.Second
	DefaultTLSTimeout      = 2 * time.Second
	DefaultWriteDeadline   = 10 * time.Second
	DefaultLameDuckPeriod  = 2 * time.Minute
	DefaultLameDuckGrace   = 10 * time.Second
	DefaultMaxClosedConns  = 10000
	DefaultSystemAccount   = "$SYS"
	DefaultGlobalAccount   = "$G"
	DefaultMonitorHost     = "0.0.0.0"
	RandomPort             = -1
	DefaultMaxConnections  = 64 * 1024
	DefaultMaxSubsUnlimits = 0
	// DefaultResponseMaxMsgs and DefaultResponseExpiration apply to
	// allow_responses when it sets no limits.
	DefaultResponseMaxMsgs    = 1
	DefaultResponseExpiration = 2 * time.Minute
)

// Options configure a server. The zero value is completed by
// (*Options).SetDefaults; callers normally start from config or flags.
type Options struct {
	ServerName string
	Host       string
	Port       int // 0 means DefaultPort, RandomPort (-1) picks a free port.
	// ClientAdvertise is the host:port advertised to clients, if set.
	ClientAdvertise string

	HTTPHost string
	HTTPPort int // 0 disables monitoring, RandomPort picks a free port.
	// ProfPort serves net/http/pprof on HTTPHost when non-zero.
	ProfPort int

	Debug, Trace bool
	Logtime      bool
	LogFile      string
	// Logger, if set, receives the server's logs; Debug and Trace then only
	// decide what the server emits at debug level.
	Logger *slog.Logger
	// NoLog discards logs entirely (tests).
	NoLog bool

	MaxConnections   int
	MaxSubscriptions int // per connection, 0 means unlimited
	MaxControlLine   int
	MaxPayload       int
	MaxPending       int64
	PingInterval     time.Duration
	MaxPingsOut      int
	WriteDeadline    time.Duration
	MaxClosedClients int

	NoHeaderSupport bool

	// Authorization for the global account (top-level authorization block
	// and --user/--pass/--auth flags).
	Username      string
	Password      string
	Authorization string // token
	AuthTimeout   time.Duration
	Users         []*User
	NkeyUsers     []*NkeyUser
	NoAuthUser    string

	// Accounts from the config file. The global and system accounts exist
	// always and need not be listed.
	Accounts      []*AccountConfig
	SystemAccount string
	NoSystemAcct  bool

	TLSConfig  *tls.Config
	TLSTimeout time.Duration
	TLSVerify  bool
	TLSMap     bool

	LameDuckDuration    time.Duration
	LameDuckGracePeriod time.Duration

	JetStream bool
	StoreDir  string
	// JetStreamMaxMemory and JetStreamMaxStore bound the server's JetStream
	// storage (0: unlimited).
	JetStreamMaxMemory int64
	JetStreamMaxStore  int64
	// JetStreamDomain is the JetStream domain ($JS.<domain>.API).
	JetStreamDomain string
	// JetStreamSyncInterval 0 (the default, "always" in a config file)
	// acknowledges a file-stored message only once it is fsynced; a
	// positive interval acknowledges once it is written and fsyncs in the
	// background every interval.
	JetStreamSyncInterval time.Duration

	// Tags are free-form labels reported in server info.
	Tags []string

	// Cluster configures the routes to the other servers of a cluster;
	// clustering is off while Cluster.Port is 0.
	Cluster ClusterOpts

	// ConfigFile is the path the options were loaded from, if any.
	ConfigFile string
}

// AccountConfig is an account declared in the config file.
type AccountConfig struct {
	Name string
	// JetStream enables JetStream in the account with these limits; nil
	// leaves it disabled.
	JetStream *JetStreamLimits
}

// JetStreamLimits bound an account's JetStream use. -1 (or 0 where noted)
// means unlimited.
type JetStreamLimits struct {
	MaxMemory        int64 // bytes of memory storage
	MaxStore         int64 // bytes of file storage
	MaxStreams       int
	MaxConsumers     int
	MaxAckPending    int  // 0: the default
	MaxBytesRequired bool // streams must set max_bytes
}

// UnlimitedJetStream is the limit set of an account with no limits.
func UnlimitedJetStream() *JetStreamLimits {
	return &JetStreamLimits{MaxMemory: -1, MaxStore: -1, MaxStreams: -1, MaxConsumers: -1}
}

// User is a user/password (plain or bcrypt) credential.
type User struct {
	Username    string
	Password    string
	Account     string // "" means the global account
	Permissions *Permissions
}

// NkeyUser is an nkey-authenticated user.
type NkeyUser struct {
	Nkey        string
	Account     string
	Permissions *Permissions
}

// Permissions restrict what a user may publish and subscribe to.
type Permissions struct {
	Publish   *SubjectPermission
	Subscribe *SubjectPermission
	Response  *ResponsePermission
}

// SubjectPermission lists allowed and denied subject filters.
type SubjectPermission struct {
	Allow []string
	Deny  []string
}

// ResponsePermission lets a user publish to reply subjects of requests it
// received, up to MaxMsgs responses within Expires. Zero values mean
// DefaultResponseMaxMsgs and DefaultResponseExpiration; negative ones mean
// no limit.
type ResponsePermission struct {
	MaxMsgs int
	Expires time.Duration
}

// Clone returns a deep copy of the options.
func (o *Options) Clone() *Options {
	c := *o
	c.Users = append([]*User(nil), o.Users...)
	c.NkeyUsers = append([]*NkeyUser(nil), o.NkeyUsers...)
	c.Accounts = append([]*AccountConfig(nil), o.Accounts...)
	c.Tags = append([]string(nil), o.Tags...)
	c.Cluster.Routes = append([]string(nil), o.Cluster.Routes...)
	return &c
}

// SetDefaults fills unset fields with their defaults.
func (o *Options) SetDefaults() {
	if o.Host == "" {
		o.Host = DefaultHost
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.HTTPHost == "" {
		o.HTTPHost = o.Host
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxControlLine == 0 {
		o.MaxControlLine = DefaultMaxControlLine
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.MaxPingsOut == 0 {
		o.MaxPingsOut = DefaultPingMaxOut
	}
	if o.AuthTimeout == 0 {
		o.AuthTimeout = DefaultAuthTimeout
		if o.TLSConfig != nil {
			// The TLS handshake happens inside the auth window.
			o.AuthTimeout = DefaultAuthTimeout + DefaultTLSTimeout
		}
	}
	if o.TLSTimeout == 0 {
		o.TLSTimeout = DefaultTLSTimeout
	}
	if o.WriteDeadline == 0 {
		o.WriteDeadline = DefaultWriteDeadline
	}
	if o.MaxClosedClients == 0 {
		o.MaxClosedClients = DefaultMaxClosedConns
	}
	if o.LameDuckDuration == 0 {
		o.LameDuckDuration = DefaultLameDuckPeriod
	}
	if o.LameDuckGracePeriod == 0 {
		o.LameDuckGracePeriod = DefaultLameDuckGrace
	}
	if o.SystemAccount == "" && !o.NoSystemAcct {
		o.SystemAccount = DefaultSystemAccount
	}
	o.Cluster.setDefaults(o)
}
