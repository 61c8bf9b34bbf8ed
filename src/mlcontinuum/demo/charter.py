"""Content of the demo project: a churn-prediction engagement between a telecom operator and
an analytics vendor. The KPI numbers come from `baselines`, computed from `wa_churn`."""

from __future__ import annotations

from dataclasses import dataclass

from mlcontinuum.charter.enums import Direction, Frequency, KpiKind
from mlcontinuum.charter.schemas import (
    CharterDocument,
    CharterText,
    CharterUpdate,
    KpiFields,
    ProjectFields,
    StakeholderFields,
)
from mlcontinuum.demo.baselines import (
    CAPACITY,
    COST_PER_CONTACT_EUR,
    SAVE_RATE,
    Baselines,
)
from mlcontinuum.kernel.auth.permissions import Role
from mlcontinuum.kernel.lifecycle import CrispDmPhase, Stage

SLUG = "telco-churn"
CUSTOMER = "Northwind Telecom"
VENDOR = "Brightline Analytics"
CUSTOMER_DOMAIN = "northwind-telecom.example"
VENDOR_DOMAIN = "brightline-analytics.example"
# Published logistic-regression and boosted-tree models on this data reach about 0.84-0.85.
TARGET_AUC = 0.84
ALERT_AUC = 0.80


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    email: str
    role: Role


HEAD_OF_RETENTION = DemoAccount(
    "amira.haddad", "Amira Haddad", f"amira.haddad@{CUSTOMER_DOMAIN}", Role.STAKEHOLDER
)
ML_ENGINEER = DemoAccount(
    "mei.tanaka", "Mei Tanaka", f"mei.tanaka@{VENDOR_DOMAIN}", Role.ML_ENGINEER
)
ACCOUNTS = (HEAD_OF_RETENTION, ML_ENGINEER)

PROJECT = ProjectFields(
    name="Churn prediction for the retention campaign",
    customer=CUSTOMER,
    description=(
        "Rank Northwind Telecom's residential customers by their risk of cancelling, so that "
        "the retention team's limited call-centre capacity goes to the customers most likely "
        "to leave. Built on the CRM extract published as the wa_churn data set "
        "(7,043 customers: contract, services, charges, tenure and whether they left)."
    ),
    stage=Stage.UNDERSTAND,
    crisp_dm_phase=CrispDmPhase.DATA_UNDERSTANDING,
)


def charter_text(b: Baselines) -> CharterText:
    capacity = f"{CAPACITY:.0%}"
    return CharterText(
        problem_statement=(
            f"{b.churn_rate:.1%} of the customers in Northwind's CRM extract cancelled their "
            "contract in the last month. The retention team can call only one customer in ten "
            f"per campaign month ({capacity} of the base) and today picks them by a rule: "
            "shortest tenure first. That rule reaches only "
            f"{b.recall_at_capacity:.1%} of the customers who leave; a perfect ranking would "
            f"reach {b.best_recall_at_capacity:.1%} with the same calls.\n"
            "We will replace the rule with a model that ranks every customer by churn risk each "
            "month, so the same call-centre capacity reaches more of the customers who would "
            "otherwise leave."
        ),
        in_scope=(
            "- Residential customers on any contract type (month-to-month, one and two year).\n"
            "- Monthly churn-risk score per customer, delivered to the CRM as a ranked call list "
            f"sized to the campaign's capacity ({capacity} of the base).\n"
            "- Features from the CRM: contract, tenure, services, billing and payment method, "
            "monthly and total charges.\n"
            "- Monitoring of the score's inputs and of its recall once campaign outcomes arrive.\n"
            "- A random holdout of 5% of selected customers who are not called, to measure "
            "what the calls change."
        ),
        out_of_scope=(
            "- Business customers and wholesale contracts.\n"
            "- Choosing the retention offer per customer (next-best-offer): the offer catalogue "
            "stays as it is.\n"
            "- Call-detail records, network-quality and location data (not cleared by the "
            "data protection officer for this purpose).\n"
            "- Changes to the call-centre's scripts or staffing."
        ),
        minimal_viable_product=(
            "A batch model, retrained quarterly, that scores all residential customers on the "
            "first working day of each month and writes the top "
            f"{capacity} as a call list into the CRM campaign module, with the three strongest "
            "reasons per customer for the agent. Shadow run for one month next to the tenure "
            "rule before it replaces it."
        ),
        success_criteria=(
            f"- Recall in the top {capacity} of at least the target on the latest labelled "
            "month, and never below the alert threshold for two months in a row.\n"
            "- Campaign cost per saved customer below the tenure rule's, measured on the "
            "holdout comparison.\n"
            "- The head of retention signs off the shadow-run report before the rule is "
            "switched off."
        ),
        risks=(
            "- Label delay: a cancellation is known up to 30 days after notice, so recall is "
            "measured a month late; input drift is watched in the meantime.\n"
            "- Contract mix shifts (e.g. a two-year promotion) change who churns; the model "
            "must be retrained when the contract mix drifts.\n"
            "- Fairness: senior citizens churn more often in the data; the call list must not "
            "exclude or over-target them for reasons unrelated to churn risk.\n"
            "- Call-centre capacity is cut during holiday months; the list size must follow it."
        ),
        assumptions=(
            f"- A call costs about EUR {COST_PER_CONTACT_EUR:.0f} including the average offer "
            "(retention team's 2025 campaign figures).\n"
            f"- An offer keeps about {SAVE_RATE:.0%} of the customers who would otherwise leave "
            "(last year's holdout comparison).\n"
            "- The wa_churn extract is representative of the residential base.\n"
            "- The CRM data owner delivers the monthly extract by the 25th of each month."
        ),
    )


# A changed requirement after the data protection review, so the charter's history shows one.
REVISION_AUTHOR = ML_ENGINEER


def revision(original: CharterText) -> CharterUpdate:
    """The data protection officer's review added a condition and a risk (charter version 3)."""
    return CharterUpdate(
        assumptions=original.assumptions
        + "\n- Agreed with the data protection officer: the score uses contract, service and "
        "billing data only, is kept for 13 months, and customers who objected to marketing "
        "calls are removed from the call list before it reaches the CRM.",
        risks=original.risks
        + "\n- Objections to marketing calls shrink the callable base; recall is measured on "
        "callable customers only.",
    )


def kpis(b: Baselines) -> list[KpiFields]:
    capacity = f"{CAPACITY:.0%}"
    target_recall = b.recall_at_capacity + (b.best_recall_at_capacity - b.recall_at_capacity) / 2
    alert_recall = (b.recall_at_capacity + target_recall) / 2
    contacted = b.contacted_churn_rate * 100
    return [
        KpiFields(
            name="Churn rate among contacted customers",
            kind=KpiKind.BUSINESS,
            unit="%",
            direction=Direction.LOWER_IS_BETTER,
            baseline=round(contacted, 1),
            target=round(contacted * (1 - SAVE_RATE), 1),
            alert_threshold=round(contacted * (1 - SAVE_RATE / 2), 1),
            measurement=(
                "Share of customers called in a campaign month who cancel within 90 days of the "
                "call (CRM cancellations joined to the call log). Baseline: churn among the "
                f"{capacity} shortest-tenure customers in wa_churn, whom today's rule calls. "
                "Always read next to the holdout's rate: a better ranking puts riskier customers "
                "on the list, which raises this rate even when the calls work."
            ),
            frequency=Frequency.MONTHLY,
        ),
        KpiFields(
            name="Retention campaign cost per saved customer",
            kind=KpiKind.BUSINESS,
            unit="EUR",
            direction=Direction.LOWER_IS_BETTER,
            baseline=round(b.cost_per_saved(b.recall_at_capacity), 2),
            target=round(b.cost_per_saved(target_recall), 2),
            alert_threshold=round(b.cost_per_saved(b.recall_at_capacity), 2),
            measurement=(
                "Campaign cost (calls plus offers) divided by the customers kept, i.e. the "
                "holdout's churn rate minus the called group's, times the customers called. "
                f"Baseline and target assume EUR {COST_PER_CONTACT_EUR:.0f} per call and "
                f"{SAVE_RATE:.0%} of reached churners kept; alert when no cheaper than the "
                "tenure rule."
            ),
            frequency=Frequency.MONTHLY,
        ),
        KpiFields(
            name=f"Recall in the top {capacity}",
            kind=KpiKind.ANALYTIC,
            unit="",
            direction=Direction.HIGHER_IS_BETTER,
            baseline=round(b.recall_at_capacity, 3),
            target=round(target_recall, 3),
            alert_threshold=round(alert_recall, 3),
            measurement=(
                f"Share of the month's churners who were in the top {capacity} of the ranking "
                "(the call list). Baseline: the tenure rule on wa_churn, ties at the cut counted "
                "by their expected share. Target: half-way from the rule to a perfect ranking "
                f"({b.best_recall_at_capacity:.3f}, capped by the capacity)."
            ),
            frequency=Frequency.MONTHLY,
        ),
        KpiFields(
            name="ROC AUC",
            kind=KpiKind.ANALYTIC,
            unit="",
            direction=Direction.HIGHER_IS_BETTER,
            baseline=round(b.auc, 3),
            target=TARGET_AUC,
            alert_threshold=max(ALERT_AUC, round(b.auc, 3)),
            measurement=(
                "Area under the ROC curve of the churn score on the latest labelled month. "
                "Baseline: the tenure rule on wa_churn. Target: what published models reach on "
                "this data."
            ),
            frequency=Frequency.MONTHLY,
        ),
    ]


def stakeholders() -> list[StakeholderFields]:
    def person(
        name: str, organisation: str, role: str, contact: str, username: str | None = None
    ) -> StakeholderFields:
        return StakeholderFields(
            name=name, organisation=organisation, role=role, contact=contact, username=username
        )

    return [
        person(
            HEAD_OF_RETENTION.full_name,
            CUSTOMER,
            "Head of retention; owns the campaign and signs off the model",
            HEAD_OF_RETENTION.email,
            HEAD_OF_RETENTION.username,
        ),
        person(
            "Piotr Nowak",
            CUSTOMER,
            "CRM data owner; delivers the monthly extract",
            f"piotr.nowak@{CUSTOMER_DOMAIN}",
        ),
        person(
            "Helena Sørensen",
            CUSTOMER,
            "Data protection officer; approves data use and retention",
            f"dpo@{CUSTOMER_DOMAIN}",
        ),
        person(
            "Daniel Okafor",
            VENDOR,
            "Project manager",
            f"daniel.okafor@{VENDOR_DOMAIN}",
        ),
        person(
            ML_ENGINEER.full_name,
            VENDOR,
            "ML engineer; pipelines, deployment and monitoring",
            ML_ENGINEER.email,
            ML_ENGINEER.username,
        ),
        person(
            "Lucas Ferreira",
            VENDOR,
            "Data scientist; features, models and evaluation",
            f"lucas.ferreira@{VENDOR_DOMAIN}",
        ),
    ]


def document(b: Baselines) -> CharterDocument:
    return CharterDocument(
        project=PROJECT, charter=charter_text(b), kpis=kpis(b), stakeholders=stakeholders()
    )
