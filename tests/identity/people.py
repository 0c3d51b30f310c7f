"""Nine customers, three of them entered twice through other channels: shared by the identity
tests and the browser tests."""

import datetime as dt

PEOPLE = [
    ("zhang", dict(family_name="张", given_name="伟", phone="13812345678", birth_date=dt.date(1985, 3, 12),
                   acquisition_source="store")),
    ("li", dict(family_name="李", given_name="娜", phone="13900001111", email="lina@example.com",
                birth_date=dt.date(1992, 2, 2))),
    ("wang", dict(family_name="王", given_name="芳", phone="13700002222", birth_date=dt.date(1990, 7, 1))),
    ("chen", dict(family_name="陈", given_name="静", phone="13600003333")),
    ("smith", dict(family_name="Smith", given_name="John", email="john.smith@example.com",
                   birth_date=dt.date(1970, 1, 2))),
    ("zhao", dict(family_name="赵", given_name="磊", phone="13500004444", birth_date=dt.date(1979, 9, 9))),
    # the duplicates: pinyin typed on the web (entered later, so its values are the newer ones),
    # a homophone typed by a call-centre agent, a swapped Latin name
    ("zhang_web", dict(display_name="Zhang Wei", family_name="", given_name="", phone="+86 138 1234 5679",
                       email="zw1985@example.com", birth_date=dt.date(1985, 3, 12),
                       acquisition_source="online")),
    ("li_phone", dict(family_name="李", given_name="那", phone="13900001117", birth_date=dt.date(1992, 2, 2))),
    ("smith_swap", dict(display_name="SMITH, John", family_name="", given_name="",
                        email="jsmith70@example.com", birth_date=dt.date(1970, 1, 2))),
]
