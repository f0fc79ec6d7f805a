package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"talentflow/internal/sealed"
	"talentflow/internal/store"
	storeintro "talentflow/internal/store/introduction"
	"talentflow/internal/store/storetest"
	ledger "talentflow/internal/store/subsidy"
)

const (
	knownID    = "11010519491231002X"
	knownPhone = "13905351234"
	knownBank  = "6222020200112233446"
)

// personalRows writes a user with a phone, an application with an ID number and a phone, a
// certified talent and a subsidy with a bank account, through the models.
func personalRows(t *testing.T, db *store.DB) {
	t.Helper()
	now := time.Now().UTC()
	require.NoError(t, db.Create(&store.User{ID: "usr_li", Username: "li", DisplayName: "李明", PasswordHash: "x", Phone: knownPhone,
		Kind: "talent", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, db.Create(&store.Case{ID: "case_1", Process: "introduction", State: "certified", ApplicantID: "usr_li",
		CreatedAt: now, UpdatedAt: now}).Error)
	key := storeintro.OpenKey(db.Keys, knownID, "B")
	require.NoError(t, db.Create(&storeintro.Profile{CaseID: "case_1", ApplicantID: "usr_li", Name: "李明", IDNumber: knownID,
		Phone: knownPhone, Education: "doctorate", Title: "senior", Field: "新材料", EmployerCreditCode: "91350100M000100Y43",
		Category: "B", OpenKey: &key, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, db.Create(&store.Certificate{No: "YG-2026-B-0001", CaseID: "case_1", Name: "李明", Category: "B", Year: 2026,
		Seq: 1, IssuedAt: now}).Error)
	require.NoError(t, db.Create(&store.Talent{ID: "tal_1", UserID: "usr_li", CaseID: "case_1", Name: "李明", IDNumber: knownID,
		Category: "B", CertificateNo: "YG-2026-B-0001", Status: "active", SubsidyEligible: true, CertifiedAt: now}).Error)
	require.NoError(t, db.Create(&ledger.Policy{ID: "pol_1", Kind: "rent", Name: "租房补贴", Version: 1, Year: 2026, Categories: "B",
		AmountFen: `{"B":300000}`, Months: 36, BudgetFen: 1 << 40, CreatedBy: "t", CreatedAt: now}).Error)
	require.NoError(t, db.Create(&store.Case{ID: "case_2", Process: "subsidy", State: "paying", ApplicantID: "usr_li",
		CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, db.Create(&ledger.Subsidy{CaseID: "case_2", ApplicantID: "usr_li", TalentUserID: "usr_li", TalentName: "李明",
		Category: "B", CertificateNo: "YG-2026-B-0001", EmployerCreditCode: "91350100M000100Y43", PolicyID: "pol_1", PolicyVersion: 1,
		Kind: "rent", AmountFen: 300000, Months: 36, CommitmentFen: 300000 * 36, AccountName: "李明", BankAccount: knownBank,
		BankName: "中国工商银行阳谷支行", NextPeriod: 1, CreatedAt: now, UpdatedAt: now}).Error)
}

// rawColumns reads the columns holding personal data as the database stores them.
func rawColumns(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, query := range map[string]string{
		"users.phone":            `SELECT phone FROM users WHERE id = 'usr_li'`,
		"introductions.id":       `SELECT id_number FROM introductions WHERE case_id = 'case_1'`,
		"introductions.phone":    `SELECT phone FROM introductions WHERE case_id = 'case_1'`,
		"introductions.open_key": `SELECT open_key FROM introductions WHERE case_id = 'case_1'`,
		"talents.id":             `SELECT id_number FROM talents WHERE id = 'tal_1'`,
		"subsidies.bank":         `SELECT bank_account FROM subsidies WHERE case_id = 'case_2'`,
	} {
		var v string
		require.NoError(t, db.Raw(query).Row().Scan(&v), name)
		out[name] = v
	}
	return out
}

func assertSealed(t *testing.T, raw map[string]string) {
	t.Helper()
	for name, v := range raw {
		for _, secret := range []string{knownID, knownPhone, knownBank} {
			assert.NotContains(t, v, secret, "%s holds personal data in the clear", name)
		}
		if name != "introductions.open_key" {
			assert.True(t, sealed.IsSealed(v), "%s is sealed: %q", name, v)
		}
	}
}

func TestPersonalDataIsEncryptedAtRestAndReadInTheClear(t *testing.T) {
	db := storetest.Open(t, storeintro.Schema, ledger.Schema)
	personalRows(t, db)
	raw := rawColumns(t, db)
	assertSealed(t, raw)
	assert.Equal(t, storetest.Keys().Index(store.IndexCitizenID, knownID)+"|B", raw["introductions.open_key"], "a blind index")

	var u store.User
	require.NoError(t, db.Where("id = ?", "usr_li").Take(&u).Error)
	assert.Equal(t, knownPhone, u.Phone)
	var p storeintro.Profile
	require.NoError(t, db.Raw(`SELECT * FROM introductions WHERE case_id = ?`, "case_1").Scan(&p).Error)
	assert.Equal(t, knownID, p.IDNumber, "raw queries scanned into the model open too")
	assert.Equal(t, knownPhone, p.Phone)
	var talents []store.Talent
	require.NoError(t, db.Find(&talents).Error)
	require.Len(t, talents, 1)
	assert.Equal(t, knownID, talents[0].IDNumber)
	var sub ledger.Subsidy
	require.NoError(t, db.Transaction(func(tx *gorm.DB) error { return tx.Where("case_id = ?", "case_2").Take(&sub).Error }))
	assert.Equal(t, knownBank, sub.BankAccount, "inside a transaction as well")

	// A save rewrites the column sealed again; an empty value stays empty.
	u.Phone = ""
	require.NoError(t, db.Save(&u).Error)
	var phone string
	require.NoError(t, db.Raw(`SELECT phone FROM users WHERE id = 'usr_li'`).Row().Scan(&phone))
	assert.Equal(t, "", phone)
}

func TestASealedValueMovedToAnotherColumnDoesNotOpen(t *testing.T) {
	db := storetest.Open(t, storeintro.Schema, ledger.Schema)
	personalRows(t, db)
	require.NoError(t, db.Exec(`UPDATE users SET phone = (SELECT bank_account FROM subsidies WHERE case_id = 'case_2') WHERE id = 'usr_li'`).Error)
	var u store.User
	err := db.Where("id = ?", "usr_li").Take(&u).Error
	assert.ErrorIs(t, err, sealed.ErrCorrupt, "a ciphertext is bound to its column")
}

func TestWithoutKeysPersonalDataIsNeverWritten(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "nokeys.db"), quiet)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Migrate(context.Background(), storeintro.Schema, ledger.Schema)
	require.NoError(t, err, "an empty database migrates without keys")
	now := time.Now().UTC()
	err = db.Create(&store.User{ID: "usr_x", Username: "x", DisplayName: "x", PasswordHash: "x", Phone: knownPhone, CreatedAt: now, UpdatedAt: now}).Error
	assert.ErrorIs(t, err, store.ErrNoKeys)
	var n int64
	require.NoError(t, db.Model(&store.User{}).Count(&n).Error)
	assert.Zero(t, n)
	require.NoError(t, db.Create(&store.User{ID: "usr_y", Username: "y", DisplayName: "y", PasswordHash: "x", CreatedAt: now, UpdatedAt: now}).Error,
		"a user without a phone needs no keys")
}

func TestTheMigrationSealsRowsWrittenInTheClear(t *testing.T) {
	db := storetest.Open(t, storeintro.Schema, ledger.Schema)
	personalRows(t, db)
	// Put the rows back as a database from before the sealing had them, and forget that the
	// data migrations ran.
	for _, q := range []string{
		`UPDATE users SET phone = '` + knownPhone + `'`,
		`UPDATE introductions SET id_number = '` + knownID + `', phone = '` + knownPhone + `', open_key = '` + knownID + `|B'`,
		`UPDATE talents SET id_number = '` + knownID + `'`,
		`UPDATE subsidies SET bank_account = '` + knownBank + `'`,
		`DELETE FROM goose_db_version WHERE version_id = 12`,
		`DELETE FROM goose_db_version_introduction WHERE version_id = 2`,
		`DELETE FROM goose_db_version_subsidy WHERE version_id = 2`,
	} {
		require.NoError(t, db.Exec(q).Error, q)
	}
	before := rawColumns(t, db)
	assert.Equal(t, knownBank, before["subsidies.bank"])
	if db.Dialect == store.SQLite {
		assert.Contains(t, string(fileBytes(t, db)), knownBank, "the control: the file holds it now")
	}

	applied, err := db.Migrate(context.Background(), storeintro.Schema, ledger.Schema)
	require.NoError(t, err)
	assert.Equal(t, []int64{12, 2, 2}, applied)
	after := rawColumns(t, db)
	assertSealed(t, after)
	if db.Dialect == store.SQLite {
		raw := string(fileBytes(t, db))
		for _, secret := range []string{knownID, knownPhone, knownBank} {
			assert.NotContains(t, raw, secret, "no old row version is left in the file or its log")
		}
	}
	assert.Equal(t, db.Keys.Index(store.IndexCitizenID, knownID)+"|B", after["introductions.open_key"])
	var p storeintro.Profile
	require.NoError(t, db.Where("case_id = ?", "case_1").Take(&p).Error)
	assert.Equal(t, knownID, p.IDNumber)

	// A second run finds nothing in the clear.
	for _, q := range []string{`DELETE FROM goose_db_version WHERE version_id = 12`, `DELETE FROM goose_db_version_introduction WHERE version_id = 2`} {
		require.NoError(t, db.Exec(q).Error)
	}
	_, err = db.Migrate(context.Background(), storeintro.Schema, ledger.Schema)
	require.NoError(t, err)
	assert.Equal(t, after["users.phone"], rawColumns(t, db)["users.phone"], "a sealed value is left as it is")
	assert.True(t, strings.HasPrefix(after["talents.id"], sealed.Prefix+"test:"))
}

func TestMigratingRowsInTheClearNeedsTheKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := store.Open(path, quiet)
	require.NoError(t, err)
	_, err = db.Migrate(context.Background())
	require.NoError(t, err)
	require.NoError(t, db.Exec(`INSERT INTO users (id, username, display_name, password_hash, phone, created_at, updated_at)
		VALUES ('usr_1', 'u', 'u', 'x', '`+knownPhone+`', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`).Error)
	require.NoError(t, db.Exec(`DELETE FROM goose_db_version WHERE version_id = 12`).Error)
	_, err = db.Migrate(context.Background())
	assert.ErrorIs(t, err, store.ErrNoKeys)
	db.Close()
}

// fileBytes is a SQLite database's file and write-ahead log, as they are on disk.
func fileBytes(t *testing.T, db *store.DB) []byte {
	t.Helper()
	var rows []struct {
		Seq        int
		Name, File string
	}
	require.NoError(t, db.Raw("PRAGMA database_list").Scan(&rows).Error)
	var out []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(rows[0].File + suffix)
		if err == nil {
			out = append(out, b...)
		}
	}
	return out
}
