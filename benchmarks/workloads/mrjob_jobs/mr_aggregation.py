"""mrjob aggregation over uservisits CSV lines (sourceIP, destURL, visitDate, adRevenue in cents, ...):
``SELECT SUBSTR(sourceIP, 1, 7), SUM(adRevenue) GROUP BY 1``, one JSON ``prefix -> cents`` record
per prefix. Summing is done in a combiner and a reducer."""
from mrjob.job import MRJob


class MRAggregation(MRJob):
    def mapper(self, _, line):
        fields = line.split(",")
        yield fields[0][:7], int(fields[3])

    def combiner(self, prefix, cents):
        yield prefix, sum(cents)

    def reducer(self, prefix, cents):
        yield prefix, sum(cents)


if __name__ == "__main__":
    MRAggregation.run()
