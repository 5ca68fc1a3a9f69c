"""mrjob word count: words are ``str.split()`` tokens of each input line; the output holds one
JSON ``word -> count`` record per distinct word. Summing is done in a combiner and a reducer."""
from mrjob.job import MRJob


class MRWordCount(MRJob):
    def mapper(self, _, line):
        for word in line.split():
            yield word, 1

    def combiner(self, word, counts):
        yield word, sum(counts)

    def reducer(self, word, counts):
        yield word, sum(counts)


if __name__ == "__main__":
    MRWordCount.run()
