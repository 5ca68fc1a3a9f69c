"""mrjob grep: the output holds every input line that ``re.search(--pattern, line)`` matches, once per
occurrence, as raw text (no key). Lines pass through the shuffle as keys, like the Hadoop baseline."""
import re

from mrjob.job import MRJob
from mrjob.protocol import RawValueProtocol


class MRGrep(MRJob):
    OUTPUT_PROTOCOL = RawValueProtocol

    def configure_args(self):
        super().configure_args()
        self.add_passthru_arg("--pattern", required=True, help="regular expression to search for")

    def mapper_init(self):
        self.matcher = re.compile(self.options.pattern)

    def mapper(self, _, line):
        if self.matcher.search(line) is not None:
            yield line, None

    def reducer(self, line, values):
        for _ in values:
            yield None, line


if __name__ == "__main__":
    MRGrep.run()
