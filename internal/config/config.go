// Package config is talentflow's one configuration struct: every setting with its default, its
// flag and its TALENTFLOW_* environment variable, parsed by kong in cmd/talentflow.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"talentflow/internal/sealed"
)

// Secret is a string that never prints: logs, errors and config dumps show it masked.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "********"
}

// LogValue masks the secret in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret's value for the one place that uses it.
func (s Secret) Reveal() string { return string(s) }

// HTTP configures the API and web console server.
type HTTP struct {
	Addr string `default:"127.0.0.1:8080" env:"TALENTFLOW_ADDR" help:"HTTP listen address."`
}

// Database selects the application database.
type Database struct {
	URL Secret `name:"database-url" env:"TALENTFLOW_DATABASE_URL" help:"Application database: postgres://user:pass@host/db, or a SQLite file path (default <data>/talentflow.db)."`
}

// Temporal points at the Temporal frontend.
type Temporal struct {
	Address   string        `name:"temporal-address" default:"127.0.0.1:7233" env:"TALENTFLOW_TEMPORAL_ADDRESS" help:"Temporal frontend host:port."`
	Namespace string        `name:"temporal-namespace" default:"talentflow" env:"TALENTFLOW_TEMPORAL_NAMESPACE" help:"Temporal namespace."`
	TaskQueue string        `name:"task-queue" default:"talentflow" env:"TALENTFLOW_TASK_QUEUE" help:"Task queue of the talentflow worker."`
	Retention time.Duration `name:"retention" default:"8760h" env:"TALENTFLOW_RETENTION" help:"How long closed workflows stay visible in Temporal."`
}

// TemporalStore is Temporal's own database, for `talentflow temporal-server` and for
// `talentflow migrate`, which creates and upgrades its schemas.
type TemporalStore struct {
	URL          Secret `name:"temporal-db-url" env:"TALENTFLOW_TEMPORAL_DB_URL" help:"Temporal's default store: postgres://user:pass@host:5432/temporal?sslmode=disable."`
	VisibilityDB string `name:"temporal-visibility-db" default:"temporal_visibility" env:"TALENTFLOW_TEMPORAL_VISIBILITY_DB" help:"Database of Temporal's visibility store, on the same PostgreSQL server."`
}

// Auth configures bearer tokens and password hashing.
type Auth struct {
	TokenSecret Secret        `name:"token-secret" env:"TALENTFLOW_TOKEN_SECRET" help:"HMAC key for bearer tokens (32+ bytes). Dev mode generates one under the data folder."`
	TokenTTL    time.Duration `name:"token-ttl" default:"1h" env:"TALENTFLOW_TOKEN_TTL" help:"Lifetime of a bearer token."`
	IdleTimeout time.Duration `name:"idle-timeout" default:"30m" env:"TALENTFLOW_IDLE_TIMEOUT" help:"A session unused for this long ends (0: only the token's lifetime)."`
	BcryptCost  int           `name:"bcrypt-cost" default:"11" env:"TALENTFLOW_BCRYPT_COST" help:"bcrypt cost for password hashes."`
}

// Keys encrypt personal data at rest: the read model's sealed columns and every payload of the
// workflows in Temporal's database.
type Keys struct {
	DataKeys     Secret   `name:"data-keys" env:"TALENTFLOW_DATA_KEYS" help:"Keys of personal data and workflow payloads: id:base64key,... (AES-256: 32 bytes each); the first encrypts, all decrypt, so a new key goes first and old ones stay until nothing uses them. Dev mode generates one under the data folder."`
	IndexKey     Secret   `name:"index-key" env:"TALENTFLOW_INDEX_KEY" help:"Key of the blind index (HMAC-SHA256) that finds ID numbers without storing them: base64, 32+ bytes, never changed. Dev mode generates one under the data folder."`
	CodecOrigins []string `name:"codec-origins" env:"TALENTFLOW_CODEC_ORIGINS" help:"Origins (scheme://host:port) of Temporal Web UIs allowed to call the payload codec endpoint from a browser; dev mode adds its embedded UI."`
}

// Process configures how the long processes count time.
type Process struct {
	TimeScale      float64  `name:"time-scale" default:"1" env:"TALENTFLOW_TIME_SCALE" help:"Multiplies every duration a process computes (deadlines, reminders, notice periods); 0.001 makes a working day last ~86 s."`
	CalendarDir    string   `name:"calendar-dir" env:"TALENTFLOW_CALENDAR_DIR" help:"Folder of extra holiday calendar files (YYYY.yaml); the 2026 calendar is built in."`
	YellowShare    float64  `name:"yellow-share" default:"0.6667" env:"TALENTFLOW_YELLOW_SHARE" help:"Share of a step's time limit after which it turns yellow."`
	LGODelayDays   float64  `name:"lgo-escalation-days" default:"2" env:"TALENTFLOW_LGO_ESCALATION_DAYS" help:"Working days after a task turns red before it escalates to the leading-group office."`
	RoutingFile    string   `name:"routing-file" env:"TALENTFLOW_ROUTING_FILE" help:"Routing of talent introductions (YAML); the built-in default follows the SPEC."`
	SubsidyFile    string   `name:"subsidy-file" env:"TALENTFLOW_SUBSIDY_FILE" help:"Subsidy routing, limits and default policies (YAML); the built-in default follows the SPEC."`
	TrustedProxies []string `name:"trusted-proxies" env:"TALENTFLOW_TRUSTED_PROXIES" help:"CIDR ranges of reverse proxies whose X-Forwarded-For names the client (login throttling is per client address)."`
	CountyName     string   `name:"county-name" env:"TALENTFLOW_COUNTY_NAME" default:"阳谷县" help:"The county's name, on reports."`
	LiaisonFile    string   `name:"liaison-file" env:"TALENTFLOW_LIAISON_FILE" help:"Liaison cadence, reminders and demand routing (YAML); the built-in default follows the SPEC."`
	CountyCode     string   `name:"county-code" default:"YG" env:"TALENTFLOW_COUNTY_CODE" help:"Prefix of certificate numbers (YG-2026-A-0001)."`
	Pollers        int      `name:"pollers" default:"8" env:"TALENTFLOW_POLLERS" help:"Workflow and activity task pollers of the worker."`
}

// Notify configures delivery of notifications beyond the in-app inbox.
type Notify struct {
	WebhookURL    string `name:"webhook-url" env:"TALENTFLOW_WEBHOOK_URL" help:"POST every notification here as JSON, signed with HMAC-SHA256."`
	WebhookSecret Secret `name:"webhook-secret" env:"TALENTFLOW_WEBHOOK_SECRET" help:"Key for the X-Talentflow-Signature header."`
	SMTPAddr      string `name:"smtp-addr" env:"TALENTFLOW_SMTP_ADDR" help:"SMTP server host:port for e-mail notifications."`
	SMTPFrom      string `name:"smtp-from" env:"TALENTFLOW_SMTP_FROM" help:"Sender address of e-mail notifications."`
	SMTPUser      string `name:"smtp-user" env:"TALENTFLOW_SMTP_USER" help:"SMTP user."`
	SMTPPassword  Secret `name:"smtp-password" env:"TALENTFLOW_SMTP_PASSWORD" help:"SMTP password."`
}

// Log configures structured logging.
type Log struct {
	Level  slog.Level `name:"log-level" default:"info" env:"TALENTFLOW_LOG_LEVEL" help:"debug, info, warn or error."`
	Format string     `name:"log-format" default:"json" enum:"json,text" env:"TALENTFLOW_LOG_FORMAT" help:"json or text."`
}

// Config is everything a talentflow process needs. Each command embeds the parts it uses.
type Config struct {
	Data     string `name:"data" default:"./data" env:"TALENTFLOW_DATA" help:"Folder for all local state (databases, attachments, keys)."`
	HTTP     `embed:""`
	Database `embed:""`
	Temporal `embed:""`
	Auth     `embed:""`
	Keys     `embed:""`
	Process  `embed:""`
	Notify   `embed:""`
	Log      `embed:""`
}

// DatabaseURL is the configured database, or the SQLite file in the data folder.
func (c *Config) DatabaseURL() string {
	if c.Database.URL != "" {
		return c.Database.URL.Reveal()
	}
	return filepath.Join(c.Data, "talentflow.db")
}

// AttachmentDir is where uploaded files live, by sha256.
func (c *Config) AttachmentDir() string { return filepath.Join(c.Data, "attachments") }

// Validate reports settings that cannot work, naming the setting.
func (c *Config) Validate() error {
	var errs []error
	if c.TimeScale <= 0 || c.TimeScale > 1000 {
		errs = append(errs, fmt.Errorf("time-scale (TALENTFLOW_TIME_SCALE) must be in (0, 1000], got %v", c.TimeScale))
	}
	if c.YellowShare <= 0 || c.YellowShare >= 1 {
		errs = append(errs, fmt.Errorf("yellow-share must be between 0 and 1, got %v", c.YellowShare))
	}
	if c.LGODelayDays < 0 {
		errs = append(errs, fmt.Errorf("lgo-escalation-days must not be negative"))
	}
	if c.TokenTTL < time.Minute || c.TokenTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("token-ttl must be between 1m and 24h, got %v", c.TokenTTL))
	}
	if c.TokenSecret != "" && len(c.TokenSecret) < 32 {
		errs = append(errs, errors.New("token-secret must be at least 32 bytes"))
	}
	if c.DataKeys != "" && c.IndexKey != "" {
		if _, err := sealed.Parse(c.DataKeys.Reveal(), c.IndexKey.Reveal()); err != nil {
			errs = append(errs, fmt.Errorf("data-keys (TALENTFLOW_DATA_KEYS) and index-key (TALENTFLOW_INDEX_KEY): %w", err))
		}
	}
	if c.BcryptCost < 4 || c.BcryptCost > 16 {
		errs = append(errs, fmt.Errorf("bcrypt-cost must be between 4 and 16, got %d", c.BcryptCost))
	}
	if c.Pollers < 1 || c.Pollers > 64 {
		errs = append(errs, fmt.Errorf("pollers must be between 1 and 64, got %d", c.Pollers))
	}
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		errs = append(errs, errors.New("webhook-secret is required with webhook-url"))
	}
	if c.SMTPAddr != "" && c.SMTPFrom == "" {
		errs = append(errs, errors.New("smtp-from is required with smtp-addr"))
	}
	return errors.Join(errs...)
}
