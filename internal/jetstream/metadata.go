package jetstream

import (
	"maps"
	"strconv"
	"strings"

	"github.com/natsnet/natsnet/internal/jsapi"
	"github.com/natsnet/natsnet/internal/server"
)

// Asset versioning (ADR-44): responses carry, in the config's metadata, the
// API level the asset needs (_nats.req.level), and the version and API
// level of the server that answered. Clients' own metadata keys are kept;
// keys under "_nats." belong to the server and are not compared when a
// create is repeated.

// streamRequiredLevel is the API level a stream configuration needs.
func streamRequiredLevel(cfg *jsapi.StreamConfig) int {
	level := 0
	if cfg.AllowMsgTTL || cfg.SubjectDeleteMarkerTTL > 0 {
		level = 1
	}
	if cfg.AllowMsgCounter || cfg.AllowAtomicPublish || cfg.AllowMsgSchedules || cfg.PersistMode != jsapi.DefaultPersistMode {
		level = 2
	}
	if cfg.AllowBatchPublish {
		level = 3
	}
	return level
}

// withServerMetadata returns metadata with the server's keys set.
func withServerMetadata(md map[string]string, reqLevel int) map[string]string {
	out := make(map[string]string, len(md)+3)
	maps.Copy(out, md)
	out[jsapi.MetaRequiredLevel] = strconv.Itoa(reqLevel)
	out[jsapi.MetaServerVersion] = server.CompatVersion
	out[jsapi.MetaServerLevel] = strconv.Itoa(APILevel)
	return out
}

// withoutServerMetadata drops the server's keys, or returns nil if nothing
// else is left.
func withoutServerMetadata(md map[string]string) map[string]string {
	var out map[string]string
	for k, v := range md {
		if strings.HasPrefix(k, "_nats.") {
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		out[k] = v
	}
	return out
}

// decorateStreamInfo adds the server's metadata to a stream info response.
func decorateStreamInfo(si *jsapi.StreamInfo) *jsapi.StreamInfo {
	si.Config.Metadata = withServerMetadata(si.Config.Metadata, streamRequiredLevel(&si.Config))
	return si
}

// listed trims the server's metadata of a stream info in a LIST page to
// _nats.req.level, as the reference does.
func listed(si *jsapi.StreamInfo) *jsapi.StreamInfo {
	delete(si.Config.Metadata, jsapi.MetaServerVersion)
	delete(si.Config.Metadata, jsapi.MetaServerLevel)
	return si
}

// listedConsumer is listed for consumer infos.
func listedConsumer(ci *jsapi.ConsumerInfo) *jsapi.ConsumerInfo {
	if ci.Config != nil {
		delete(ci.Config.Metadata, jsapi.MetaServerVersion)
		delete(ci.Config.Metadata, jsapi.MetaServerLevel)
	}
	return ci
}
