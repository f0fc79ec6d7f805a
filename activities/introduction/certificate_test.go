package introduction_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/activities/introduction"
	"talentflow/internal/app"
	"talentflow/internal/store"
	storeintro "talentflow/internal/store/introduction"
	"talentflow/internal/store/storetest"
	flow "talentflow/workflows/introduction"
)

func TestCertificateNumbersAreSequentialPerYearAndCategoryAndIssuedOnce(t *testing.T) {
	db := storetest.Open(t, storeintro.Schema)
	require.NoError(t, app.SeedDepartments(context.Background(), db))
	require.NoError(t, db.Create(&store.User{ID: "usr_li", Username: "applicant.li", DisplayName: "李明", CreatedAt: time.Now()}).Error)
	now := time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC) // already 2027 in China
	for i := range 8 {
		id := fmt.Sprintf("case_%d", i)
		require.NoError(t, db.Create(&store.Case{ID: id, Process: "introduction", State: "certifying", ApplicantID: "usr_li", CreatedAt: now, UpdatedAt: now}).Error)
		require.NoError(t, db.Create(&storeintro.Profile{CaseID: id, ApplicantID: "usr_li", Name: "李明", IDNumber: "x", Phone: "x",
			Education: "master", Title: "none", Field: "x", EmployerCreditCode: "x", Category: "B", CreatedAt: now, UpdatedAt: now}).Error)
	}
	c := &introduction.Certifier{DB: db, CountyCode: "YG"}
	var mu sync.Mutex
	var numbers []string
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cert, err := c.IssueCertificate(context.Background(), flow.CertificateRequest{CaseID: fmt.Sprintf("case_%d", i), Category: "B", IssuedAt: now})
			assert.NoError(t, err)
			again, err := c.IssueCertificate(context.Background(), flow.CertificateRequest{CaseID: fmt.Sprintf("case_%d", i), Category: "B", IssuedAt: now})
			assert.NoError(t, err)
			assert.Equal(t, cert.No, again.No, "a retry returns the same certificate")
			mu.Lock()
			numbers = append(numbers, cert.No)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Strings(numbers)
	want := make([]string, 8)
	for i := range want {
		want[i] = fmt.Sprintf("YG-2027-B-%04d", i+1)
	}
	assert.Equal(t, want, numbers)
	var talents int64
	db.Model(&store.Talent{}).Where("subsidy_eligible = ?", true).Count(&talents)
	assert.EqualValues(t, 8, talents, "each certified talent becomes eligible for subsidies once")
}
