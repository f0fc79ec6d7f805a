package domain

// Roles a user may hold in a department; the casbin policy (authz) and the task engine
// (workflows) both name them from here.
const (
	RoleApplicant  = "applicant"  // 人才本人 / 用人单位经办人
	RoleClerk      = "clerk"      // 一窗受理员
	RoleApprover   = "approver"   // 成员单位审核人
	RoleDeptHead   = "dept_head"  // 成员单位分管领导
	RoleLGO        = "lgo"        // 人才工作领导小组办公室
	RoleLeader     = "leader"     // 县级领导
	RoleFinance    = "finance"    // 财政局支付专员
	RoleAuditor    = "auditor"    // 纪检 / 审计
	RoleAdmin      = "admin"      // 系统管理员
	RoleEmployer   = "employer"   // 用人单位经办人, in the employer's own department emp-<credit code>
	RoleSpecialist = "specialist" // 服务专员: works a leader's pairings on the leader's behalf
)
