package dev.weir.cli.synthetic;

import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Labelled synthetic card payments for the fraud reference use case. Deterministic for a seed and a
 * sequence of clock readings.
 *
 * <p>Legitimate payments come from a fixed population of accounts, each with a home country, a
 * typical amount and a preferred channel. Fraud arrives as what the account features can see:
 * bursts of several online payments within seconds to minutes, from a foreign country and a new
 * device, for several times the account's typical amount; a quarter of fraud cases are a single
 * large foreign payment. Some legitimate payments look odd too (travel abroad, a big purchase), so
 * the problem is not trivially separable.
 */
public final class TransactionGenerator {

    /** A generated payment and whether it is fraud. */
    public record Generated(Transaction transaction, boolean fraud) {}

    private static final String[] HOME_COUNTRIES = {"DE", "FR", "NL", "ES", "IT", "BE", "AT", "IE"};
    private static final String[] FOREIGN_COUNTRIES = {
        "US", "BR", "NG", "RU", "CN", "IN", "MX", "TH", "ZA", "UA"
    };
    private static final String[] CATEGORIES = {
        "5411", "5812", "5541", "5912", "5999", "4121", "5732", "7011", "4511", "5691"
    };
    private static final int MERCHANTS = 800;

    private SplittableRandom random;
    private final Account[] accounts;
    private final double fraudShare;
    private final PriorityQueue<Pending> pendingFraud =
            new PriorityQueue<>((a, b) -> Long.compare(a.dueMillis, b.dueMillis));
    private final Deque<Generated> ready = new ArrayDeque<>();
    private long sequence;
    private final String idPrefix;
    private double amountScale = 1.0;
    private double foreignShare = BASE_FOREIGN_SHARE;

    /** Share of legitimate payments made abroad, before any shift. */
    public static final double BASE_FOREIGN_SHARE = 0.03;

    private record Account(
            String id,
            String card,
            String cardNumber,
            String email,
            String device,
            String home,
            double typicalMinor,
            double onlineShare) {}

    private record Pending(long dueMillis, Transaction transaction) {}

    /**
     * @param seed seed of everything generated
     * @param accountCount size of the account population
     * @param fraudShare target share of fraudulent payments, e.g. 0.02
     */
    public TransactionGenerator(long seed, int accountCount, double fraudShare) {
        this(seed, seed, accountCount, fraudShare);
    }

    /**
     * @param populationSeed seed of the account population (who pays, where, how much)
     * @param streamSeed seed of the payments the population makes: the same population with another
     *     stream seed is the same customers at another time
     * @param accountCount size of the account population
     * @param fraudShare target share of fraudulent payments, e.g. 0.02
     */
    public TransactionGenerator(
            long populationSeed, long streamSeed, int accountCount, double fraudShare) {
        if (accountCount < 1) {
            throw new IllegalArgumentException("account count must be >= 1");
        }
        if (!(fraudShare >= 0 && fraudShare < 0.5)) {
            throw new IllegalArgumentException("fraud share must be in [0, 0.5)");
        }
        SplittableRandom population = new SplittableRandom(populationSeed);
        this.random = population;
        this.fraudShare = fraudShare;
        this.idPrefix = Long.toString(streamSeed & 0xffff, 36) + "-";
        this.accounts = new Account[accountCount];
        for (int i = 0; i < accountCount; i++) {
            String id = String.format(Locale.ROOT, "acct-%06d", i);
            accounts[i] =
                    new Account(
                            id,
                            String.format(Locale.ROOT, "card-%06d", i),
                            cardNumber(),
                            String.format(Locale.ROOT, "user%06d@example.com", i),
                            String.format(Locale.ROOT, "dev-%06d", i),
                            HOME_COUNTRIES[random.nextInt(HOME_COUNTRIES.length)],
                            Math.exp(7.5 + 0.8 * gaussian()),
                            0.1 + 0.5 * random.nextDouble());
        }
        if (streamSeed != populationSeed) {
            this.random = new SplittableRandom(streamSeed);
        }
    }

    /**
     * Shifts what legitimate payments look like from now on, to show drift being caught: amounts
     * are multiplied by {@code amountScale} and {@code foreignShare} of payments are made abroad
     * (the unshifted values are 1 and {@link #BASE_FOREIGN_SHARE}).
     */
    public void shift(double amountScale, double foreignShare) {
        if (!(amountScale > 0) || !(foreignShare >= 0 && foreignShare <= 1)) {
            throw new IllegalArgumentException(
                    "amount scale must be positive and foreign share in [0, 1]");
        }
        this.amountScale = amountScale;
        this.foreignShare = foreignShare;
    }

    /** The next payment, with event time {@code nowMillis}. */
    public Generated next(long nowMillis) {
        if (!ready.isEmpty()) {
            return ready.poll();
        }
        Pending due = pendingFraud.peek();
        if (due != null && due.dueMillis <= nowMillis) {
            pendingFraud.poll();
            return new Generated(withTime(due.transaction, nowMillis), true);
        }
        // Average case size is about 3.6 payments, so cases start at share / 3.6 of events.
        if (random.nextDouble() < fraudShare / 3.6) {
            startFraudCase(nowMillis);
            return ready.poll();
        }
        return new Generated(
                legitimate(accounts[random.nextInt(accounts.length)], nowMillis), false);
    }

    private Transaction legitimate(Account account, long now) {
        double amount = account.typicalMinor * Math.exp(0.6 * gaussian()) * amountScale;
        String country = account.home;
        if (random.nextDouble() < foreignShare) {
            country = FOREIGN_COUNTRIES[random.nextInt(FOREIGN_COUNTRIES.length)];
        }
        if (random.nextDouble() < 0.02) {
            amount *= 4 + 6 * random.nextDouble();
        }
        Channel channel =
                random.nextDouble() < account.onlineShare
                        ? Channel.ONLINE
                        : (random.nextDouble() < 0.9 ? Channel.POS : Channel.ATM);
        return transaction(
                account,
                amount,
                country,
                channel,
                channel == Channel.ONLINE ? account.device : null,
                now);
    }

    private void startFraudCase(long now) {
        Account account = accounts[random.nextInt(accounts.length)];
        String country = FOREIGN_COUNTRIES[random.nextInt(FOREIGN_COUNTRIES.length)];
        String device = "dev-x" + Long.toString(random.nextLong() & 0xffffffL, 36);
        boolean single = random.nextDouble() < 0.25;
        int size = single ? 1 : 3 + random.nextInt(6);
        long due = now;
        for (int i = 0; i < size; i++) {
            double factor = single ? 8 + 12 * random.nextDouble() : 3 + 9 * random.nextDouble();
            Channel channel = random.nextDouble() < 0.85 ? Channel.ONLINE : Channel.ATM;
            Transaction txn =
                    transaction(
                            account, account.typicalMinor * factor, country, channel, device, due);
            if (i == 0) {
                ready.add(new Generated(txn, true));
            } else {
                pendingFraud.add(new Pending(due, txn));
            }
            due += 2_000 + random.nextInt(40_000);
        }
    }

    private Transaction transaction(
            Account account,
            double amountMinor,
            String country,
            Channel channel,
            String device,
            long now) {
        int merchant = random.nextInt(MERCHANTS);
        return Transaction.newBuilder()
                .setTransactionId("tx-" + idPrefix + (sequence++))
                .setAccountId(account.id)
                .setCardId(account.card)
                .setMerchantId(String.format(Locale.ROOT, "merch-%04d", merchant))
                .setMerchantCategory(CATEGORIES[merchant % CATEGORIES.length])
                .setDeviceId(device)
                .setAmountMinor(Math.max(1L, Math.round(amountMinor)))
                .setCurrency("EUR")
                .setCountry(country)
                .setChannel(channel)
                .setEventTime(Instant.ofEpochMilli(now))
                .setCardNumber(account.cardNumber)
                .setEmail(account.email)
                .setIpAddress(channel == Channel.ONLINE ? ip() : null)
                .build();
    }

    private static Transaction withTime(Transaction txn, long now) {
        return Transaction.newBuilder(txn).setEventTime(Instant.ofEpochMilli(now)).build();
    }

    private String cardNumber() {
        StringBuilder sb = new StringBuilder("4");
        for (int i = 0; i < 15; i++) {
            sb.append(random.nextInt(10));
        }
        return sb.toString();
    }

    private String ip() {
        return "10."
                + random.nextInt(256)
                + "."
                + random.nextInt(256)
                + "."
                + (1 + random.nextInt(254));
    }

    private double gaussian() {
        // Box-Muller on the generator's own stream keeps runs reproducible.
        double u1 = Math.max(1e-12, random.nextDouble());
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
