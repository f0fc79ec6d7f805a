package app

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"talentflow/authz"
	"talentflow/internal/domain"
)

// validate checks input structs against their `validate` tags. Besides the library's rules it
// knows the domain's: citizenid (GB 11643), creditcode (GB 32100), phone, and the vocabularies
// category, education, title and outcome. Errors name the JSON field.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		if q := f.Tag.Get("query"); q != "" {
			return q
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	for tag, rule := range domainChecks {
		_ = v.RegisterValidation(tag, func(fl validator.FieldLevel) bool { return rule(fl.Field().String()) == nil })
	}
	return v
}

// domainChecks explain why a value breaks a domain rule.
var domainChecks = map[string]func(string) error{
	"citizenid":    func(s string) error { return domain.ValidateCitizenID(s, time.Now()) },
	"creditcode":   domain.ValidateCreditCode,
	"phone":        domain.ValidatePhone,
	"category":     vocabulary("category", domain.CategoryValues()),
	"education":    vocabulary("education", domain.EducationValues()),
	"title":        vocabulary("title", domain.TitleValues()),
	"outcome":      vocabulary("outcome", domain.OutcomeValues()),
	"subsidykind":  vocabulary("subsidy kind", domain.SubsidyKindValues()),
	"bankaccount":  domain.ValidateBankAccount,
	"paymentstate": vocabulary("payment state", domain.PaymentStateValues()),
	"contactform":  vocabulary("contact form", domain.ContactFormValues()),
	"demandtype":   vocabulary("demand type", domain.DemandTypeValues()),
}

func vocabulary(what string, values []string) func(string) error {
	return func(s string) error {
		for _, v := range values {
			if s == v {
				return nil
			}
		}
		return fmt.Errorf("%q is not a %s; use one of %s", s, what, strings.Join(values, ", "))
	}
}

// check validates v and returns an *Error naming the first field at fault. Text fields may not
// hold control characters (other than tab and newlines): PostgreSQL refuses a NUL byte, and no
// form in this domain needs one.
func check(v any) error {
	if field, ok := controlCharacters(reflect.ValueOf(v)); ok {
		return Invalid(field, "%s must not contain control characters", field)
	}
	err := validate.Struct(v)
	var fieldErrs validator.ValidationErrors
	if !errors.As(err, &fieldErrs) || len(fieldErrs) == 0 {
		return err
	}
	fe := fieldErrs[0]
	field := fe.Namespace()
	if i := strings.Index(field, "."); i >= 0 {
		field = field[i+1:] // drop the struct name
	}
	return Invalid(field, "%s %s", field, explain(fe))
}

func explain(fe validator.FieldError) string {
	if why, ok := domainChecks[fe.Tag()]; ok {
		if err := why(fmt.Sprint(fe.Value())); err != nil {
			return "is invalid: " + err.Error()
		}
	}
	switch fe.Tag() {
	case "required":
		return "is required"
	case "max", "min":
		bound := map[string]string{"max": "at most ", "min": "at least "}[fe.Tag()] + fe.Param()
		switch fe.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Float64:
			return "must be " + bound
		case reflect.Slice, reflect.Map:
			return "must have " + bound + " entries"
		}
		return "must be " + bound + " characters"
	case "oneof":
		return "must be one of " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "sha256":
		return "must be a sha256 in hex"
	case "username":
		return "may contain only lower-case letters, digits, '.', '_' and '-'"
	case "role":
		return "must be one of " + strings.Join(authz.Roles(), ", ")
	case "email":
		return "must be an e-mail address"
	case "datetime":
		return "must be a date like 2026-01-31"
	}
	return "is invalid (" + fe.Tag() + ")"
}

func init() {
	_ = validate.RegisterValidation("username", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				return false
			}
		}
		return s != ""
	})
	_ = validate.RegisterValidation("role", func(fl validator.FieldLevel) bool {
		return slices.Contains(authz.Roles(), fl.Field().String())
	})
	_ = validate.RegisterValidation("sha256", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		if len(s) != 64 {
			return false
		}
		for _, r := range s {
			if !strings.ContainsRune("0123456789abcdef", r) {
				return false
			}
		}
		return true
	})
}

// controlCharacters finds a string field of struct v (or an element of a []string field) that
// holds a control character, and returns its JSON (or query) name.
func controlCharacters(v reflect.Value) (string, bool) {
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return "", false
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("query")
		if name == "" {
			name, _, _ = strings.Cut(f.Tag.Get("json"), ",")
		}
		fv := v.Field(i)
		switch {
		case fv.Kind() == reflect.String && HasControlCharacters(fv.String()):
			return name, true
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
			for j := range fv.Len() {
				if HasControlCharacters(fv.Index(j).String()) {
					return fmt.Sprintf("%s[%d]", name, j), true
				}
			}
		}
	}
	return "", false
}

// HasControlCharacters reports a C0 control character other than tab, CR and LF, or DEL.
func HasControlCharacters(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
	})
}
