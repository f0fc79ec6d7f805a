package app

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/authz"
	"talentflow/internal/identity"
	"talentflow/internal/ids"
	"talentflow/internal/store"
)

// DefaultDepartments are the member units (成员单位) of a county's talent-work leading group,
// seeded when the table is empty; after that they are data an admin manages.
var DefaultDepartments = []store.Department{
	{Code: "lgo", Name: "县委组织部（人才工作领导小组办公室）"},
	{Code: "hrss", Name: "县人力资源和社会保障局"},
	{Code: "sci", Name: "县科学技术局"},
	{Code: "fin", Name: "县财政局"},
	{Code: "iit", Name: "县工业和信息化局"},
	{Code: "edu", Name: "县教育局"},
	{Code: "health", Name: "县卫生健康局"},
	{Code: "housing", Name: "县住房和城乡建设局"},
	{Code: "psb", Name: "县公安局"},
	{Code: "tax", Name: "县税务局"},
	{Code: "gsc", Name: "县政务服务中心（人才服务窗口）"},
	{Code: "county", Name: "县级（县领导、审计、系统管理）"},
	{Code: "public", Name: "申请人（人才本人、用人单位）"},
}

// SeedDepartments inserts the default departments if there are none.
func SeedDepartments(ctx context.Context, db *store.DB) error {
	var n int64
	if err := db.WithContext(ctx).Model(&store.Department{}).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	rows := make([]store.Department, len(DefaultDepartments))
	copy(rows, DefaultDepartments)
	return db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// DemoEmployer is the demo employer (阳谷新材料有限公司), whose clerk is employer.hr.
var DemoEmployer = store.Department{Code: store.EmployerDepartment(DemoEmployerCreditCode), Name: "阳谷新材料有限公司（用人单位）", Kind: store.DepartmentEmployer}

// DemoEmployerCreditCode is the demo employer's unified social credit code.
const DemoEmployerCreditCode = "91350100M000100Y43"

// DemoAccount is a dev-mode login with its roles.
type DemoAccount struct {
	Username, Name, Kind, Phone string
	Roles                       [][2]string // role, department
	// Employer binds an employer's clerk to an employer's credit code.
	Employer string
}

// DemoAccounts are the logins `talentflow dev` seeds (never in production mode).
var DemoAccounts = []DemoAccount{
	{"admin", "系统管理员", "staff", "", [][2]string{{authz.RoleAdmin, "county"}}, ""},
	{"auditor", "纪检审计 赵审", "staff", "", [][2]string{{authz.RoleAuditor, "county"}}, ""},
	{"lgo.staff", "人才办 周敏", "staff", "13805350001", [][2]string{{authz.RoleLGO, "lgo"}}, ""},
	{"clerk.window", "人才窗口 孙晓", "staff", "13805350002", [][2]string{{authz.RoleClerk, "gsc"}}, ""},
	{"hrss.approver", "人社局 陈静", "staff", "13805350003", [][2]string{{authz.RoleApprover, "hrss"}}, ""},
	{"hrss.head", "人社局 分管副局长 刘强", "staff", "13805350004", [][2]string{{authz.RoleDeptHead, "hrss"}}, ""},
	{"sci.approver", "科技局 王磊", "staff", "13805350005", [][2]string{{authz.RoleApprover, "sci"}}, ""},
	{"iit.approver", "工信局 郑洁", "staff", "13805350006", [][2]string{{authz.RoleApprover, "iit"}}, ""},
	{"fin.officer", "财政局 吴刚", "staff", "13805350007", [][2]string{{authz.RoleFinance, "fin"}}, ""},
	{"fin.reviewer", "财政局 复核 何芳", "staff", "13805350010", [][2]string{{authz.RoleFinance, "fin"}}, ""},
	{"edu.approver", "教育局 冯雪", "staff", "13805350008", [][2]string{{authz.RoleApprover, "edu"}}, ""},
	{"leader.wang", "王副县长", "staff", "13805350009", [][2]string{{authz.RoleLeader, "county"}}, ""},
	{"specialist.zhao", "人才办 服务专员 赵阳", "staff", "13805350011", [][2]string{{authz.RoleSpecialist, "lgo"}}, ""},
	{"applicant.li", "李明", "talent", "13905351234", [][2]string{{authz.RoleApplicant, "public"}}, ""},
	{"employer.hr", "阳谷新材料有限公司 人事 张红", "employer", "13905355678",
		[][2]string{{authz.RoleApplicant, "public"}, {authz.RoleEmployer, store.EmployerDepartment(DemoEmployerCreditCode)}}, DemoEmployerCreditCode},
}

// SeedDemoAccounts creates the demo logins that do not exist yet, all with password.
func SeedDemoAccounts(ctx context.Context, db *store.DB, idn *identity.Service, password string) (created int, err error) {
	hash, err := idn.HashPassword(password)
	if err != nil {
		return 0, err
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&DemoEmployer).Error; err != nil {
			return err
		}
		for _, d := range DemoAccounts {
			var u store.User
			err := tx.Where("username = ?", d.Username).Take(&u).Error
			now := db.NowFunc()
			switch {
			case err == nil:
				// A demo database from before a demo account gained a role or an employer.
				if d.Employer != "" && u.EmployerCreditCode == "" {
					if err := tx.Model(&u).Update("employer_credit_code", d.Employer).Error; err != nil {
						return err
					}
				}
			case errors.Is(err, gorm.ErrRecordNotFound):
				u = store.User{ID: ids.New("usr"), Username: d.Username, DisplayName: d.Name, PasswordHash: hash,
					Phone: d.Phone, Kind: d.Kind, EmployerCreditCode: d.Employer, CreatedAt: now, UpdatedAt: now}
				if err := tx.Create(&u).Error; err != nil {
					return err
				}
				created++
			default:
				return err
			}
			for _, r := range d.Roles {
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&store.RoleAssignment{UserID: u.ID, Role: r[0], Department: r[1],
					GrantedBy: "seed", GrantedAt: now}).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	return created, err
}

// BootstrapAdmin creates the first administrator ("admin", role admin) when nobody holds the
// admin role yet; production has no demo accounts, so this is how its first login appears.
func BootstrapAdmin(ctx context.Context, db *store.DB, password string, cost int) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&store.RoleAssignment{}).Where("role = ?", authz.RoleAdmin).Count(&n).Error; err != nil || n > 0 {
		return false, err
	}
	hash, err := identity.HashPassword(password, cost)
	if err != nil {
		return false, err
	}
	now := db.NowFunc()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u := store.User{ID: ids.New("usr"), Username: "admin", DisplayName: "系统管理员", PasswordHash: hash, Kind: "staff",
			CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		return tx.Create(&store.RoleAssignment{UserID: u.ID, Role: authz.RoleAdmin, Department: "county", GrantedBy: "bootstrap", GrantedAt: now}).Error
	})
	return err == nil, err
}
