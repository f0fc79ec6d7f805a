package monitoring

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/domain"
)

// Labels are what people read for process and state names (the registry's).
type Labels struct {
	Processes map[string]string
	States    map[string]string
}

func (l Labels) process(p string) string {
	if v := l.Processes[p]; v != "" {
		return v
	}
	return p
}

func (l Labels) state(s string) string {
	if v := l.States[s]; v != "" {
		return v
	}
	return s
}

// ReportQuery names the quarter and the format of the joint-meeting report.
type ReportQuery struct {
	Year    int    `query:"year" validate:"required,min=2000,max=2100"`
	Quarter int    `query:"quarter" validate:"required,min=1,max=4"`
	Format  string `query:"format" validate:"omitempty,oneof=xlsx csv"`
}

// Report is a report file.
type Report struct {
	Data        []byte
	Filename    string
	ContentType string
}

// Table is one table of the report: a sheet of the workbook, a section of the CSV.
type Table struct {
	Name   string
	Header []string
	Rows   [][]any
	// Yuan lists the columns that hold money in fen, shown in yuan.
	Yuan []int
}

// QuarterPeriod is a quarter's days.
func QuarterPeriod(year, quarter int) Period {
	from := time.Date(year, time.Month(3*(quarter-1)+1), 1, 0, 0, 0, 0, domain.ChinaTime)
	to := from.AddDate(0, 3, -1)
	return Period{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Start: from.UTC(), Until: to.AddDate(0, 0, 1).UTC()}
}

// Tables are the joint-meeting report's four tables for a dashboard.
func (s *Service) Tables(d Dashboard) []Table {
	dept := Table{Name: "部门绩效", Header: []string{"部门", "在办", "黄牌", "红牌", "本季办结", "办理时长中位数（工作小时）", "办理时长P90（工作小时）", "按时办结率（%）"}}
	for _, r := range d.Departments {
		dept.Rows = append(dept.Rows, []any{r.Name + "（" + r.Department + "）", r.Open, r.Yellow, r.Red, r.Done, opt(r.MedianHours), opt(r.P90Hours), opt(r.OnTimePct)})
	}
	proc := Table{Name: "流程吞吐", Header: []string{"流程", "本季新增", "本季办结", "当前各状态案件数"}}
	for _, p := range d.Processes {
		var states []string
		for _, k := range slices.Sorted(maps.Keys(p.States)) {
			states = append(states, fmt.Sprintf("%s %d", s.Labels.state(k), p.States[k]))
		}
		proc.Rows = append(proc.Rows, []any{s.Labels.process(string(p.Process)), p.Started, p.Finished, strings.Join(states, "；")})
	}
	sub := Table{Name: "补贴支出", Header: []string{"补贴政策", "年度", "版本", "预算（元）", "已占用（元）", "已发放（元）", "执行率（%）"}, Yuan: []int{3, 4, 5}}
	for _, p := range d.Subsidies {
		var rate any = ""
		if p.BudgetFen > 0 {
			rate = *round1(100 * float64(p.PaidFen) / float64(p.BudgetFen))
		}
		sub.Rows = append(sub.Rows, []any{p.Name, p.Year, p.Version, p.BudgetFen, p.ReservedFen, p.PaidFen, rate})
	}
	lia := Table{Name: "联系考核", Header: []string{"联系领导", "结对人才", "应联系（次）", "已联系（次）", "未按期（次）", "当前逾期", "诉求已办结", "平均评价"}}
	for _, l := range d.Liaison.Leaders {
		name := l.Leader
		if l.Name != "" {
			name = l.Name + "（" + l.Leader + "）"
		}
		lia.Rows = append(lia.Rows, []any{name, l.Pairings, l.ContactsDue, l.ContactsDone, l.Missed, l.Overdue, l.DemandsClosed, opt(l.AvgRating)})
	}
	lia.Rows = append(lia.Rows, []any{"合计", "", d.Liaison.ContactsDue, d.Liaison.ContactsDone, "", d.Liaison.OverduePairings, "", ""})
	return []Table{dept, proc, sub, lia}
}

func opt(v *float64) any {
	if v == nil {
		return ""
	}
	return *v
}

// QuarterlyReport is the joint-meeting report (人才工作联席会) of a quarter: a workbook with a
// sheet per table, or the same tables as one CSV (UTF-8 with BOM), each headed by the county
// and the quarter.
func (s *Service) QuarterlyReport(ctx context.Context, p *authz.Principal, q ReportQuery) (Report, error) {
	if err := app.Check(q); err != nil {
		return Report{}, err
	}
	per := QuarterPeriod(q.Year, q.Quarter)
	d, err := Read(ctx, s.DB.DB, per, "", "")
	if err != nil {
		return Report{}, s.Unavailable(ctx, "the database", err)
	}
	county := s.County
	if county == "" {
		county = "本县"
	}
	title := fmt.Sprintf("%s人才工作联席会 %d年第%d季度（%s 至 %s）", county, q.Year, q.Quarter, per.From, per.To)
	tables := s.Tables(d)
	name := fmt.Sprintf("talent-work-%d-Q%d", q.Year, q.Quarter)
	if q.Format == "csv" {
		data, err := writeCSV(title, tables)
		if err != nil {
			return Report{}, s.Unavailable(ctx, "the report", err)
		}
		return Report{Data: data, Filename: name + ".csv", ContentType: "text/csv; charset=utf-8"}, nil
	}
	data, err := writeXLSX(title, tables)
	if err != nil {
		return Report{}, s.Unavailable(ctx, "the report", err)
	}
	return Report{Data: data, Filename: name + ".xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, nil
}

func writeCSV(title string, tables []Table) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{title})
	for _, t := range tables {
		_ = w.Write([]string{})
		_ = w.Write([]string{t.Name})
		_ = w.Write(t.Header)
		for _, r := range t.Rows {
			cells := make([]string, len(r))
			for i, v := range r {
				cells[i] = cellText(v, slices.Contains(t.Yuan, i))
			}
			_ = w.Write(cells)
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func cellText(v any, yuan bool) string {
	switch x := v.(type) {
	case int64:
		if yuan {
			return domain.FormatYuan(x)
		}
		return fmt.Sprint(x)
	case float64:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprint(v)
}

func writeXLSX(title string, tables []Table) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return nil, err
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DCE6F1"}, Pattern: 1},
		Border: []excelize.Border{{Type: "bottom", Color: "7F7F7F", Style: 1}}})
	if err != nil {
		return nil, err
	}
	yuanFmt := "#,##0.00"
	yuanStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &yuanFmt})
	if err != nil {
		return nil, err
	}
	oneFmt := "0.0"
	oneStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &oneFmt})
	if err != nil {
		return nil, err
	}
	for i, t := range tables {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", t.Name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(t.Name); err != nil {
			return nil, err
		}
		sheet := t.Name
		last, _ := excelize.ColumnNumberToName(len(t.Header))
		_ = f.SetCellValue(sheet, "A1", title)
		_ = f.MergeCell(sheet, "A1", last+"1")
		_ = f.SetCellStyle(sheet, "A1", "A1", titleStyle)
		for c, h := range t.Header {
			cell, _ := excelize.CoordinatesToCellName(c+1, 2)
			_ = f.SetCellValue(sheet, cell, h)
		}
		_ = f.SetCellStyle(sheet, "A2", last+"2", headStyle)
		for r, row := range t.Rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+3)
				switch x := v.(type) {
				case int64:
					if slices.Contains(t.Yuan, c) {
						// Money is kept in fen; the sheet shows yuan with two decimals.
						_ = f.SetCellValue(sheet, cell, float64(x)/100)
						_ = f.SetCellStyle(sheet, cell, cell, yuanStyle)
						continue
					}
					_ = f.SetCellValue(sheet, cell, x)
				case float64:
					_ = f.SetCellValue(sheet, cell, x)
					_ = f.SetCellStyle(sheet, cell, cell, oneStyle)
				default:
					_ = f.SetCellValue(sheet, cell, v)
				}
			}
		}
		_ = f.SetColWidth(sheet, "A", "A", 32)
		if len(t.Header) > 1 {
			second, _ := excelize.ColumnNumberToName(2)
			_ = f.SetColWidth(sheet, second, last, 16)
		}
		_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, Split: false, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
