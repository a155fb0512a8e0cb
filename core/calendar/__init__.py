"""The school calendar: academic years, terms with their school week, holidays and make-up
working days, so every module can ask which school days lie between two dates."""
