"""What the test scripts share: counting and printing their checks."""


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, name, detail=""):
        """Prints ok or FAIL with the last 30 lines of detail; returns ok."""
        if ok:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name}")
            for line in str(detail).rstrip().splitlines()[-30:]:
                print(f"      {line}")
        return ok
